import type { DataSource } from 'typeorm';
import { ContentType } from '../shared/content/content-status';
import { findContentPagesByParent, visibleContent, type Visibility } from '../shared/content/content.query';
import { createPageLoader } from '../shared/pagination/page.loader';
import type { StabilisationProject } from './stabilisation-project.entity';

/** Loaders of the stabilisation-projects domain, made per request. */
export function createStabilisationProjectLoaders(db: DataSource, visible: Visibility) {
  return {
    /** Projects located in a country, keyed by its alpha-3 code (a member's code). */
    projectsByCountryCode: createPageLoader<StabilisationProject, readonly string[] | undefined>('projectsByCountryCode', (codes, page, properties) =>
      findContentPagesByParent(visibleContent(db, visible, [ContentType.STABILISATION_PROJECT], properties), 'c.country_code', codes, page),
    ),
  };
}

export type StabilisationProjectLoaders = ReturnType<typeof createStabilisationProjectLoaders>;
