import type { DataSource } from 'typeorm';
import { Catalogue, catalogueOf } from '../shared/catalogue';
import { Campaign } from './campaign.entity';

/** Every campaign, by id and by slug, held per process (see {@link Catalogue}). */
export function campaignCatalogue(db: DataSource): Catalogue<Campaign, 'byId' | 'bySlug'> {
  return catalogueOf(db, 'campaigns', () =>
    new Catalogue(() => db.getRepository(Campaign).find(), { byId: (campaign) => campaign.id, bySlug: (campaign) => campaign.slug }),
  );
}
