import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { Campaign } from '../campaigns/campaign.entity';
import { MemberNation, normaliseNationCode } from '../member-nations/member-nation.entity';
import { nationCatalogue } from '../member-nations/nation-catalogue';
import { campaignCatalogue } from '../campaigns/campaign-catalogue';
import { ConflictError, NotFoundError } from '../shared/errors';
import type { Viewer } from '../shared/viewer';
import { recordAudit, snapshot } from './audit';
import type { CampaignInput, MemberNationInput } from './catalogue.inputs';

/** Creates a campaign; slug and hashtag (in any case) must be free. */
export function createCampaign(db: DataSource, actor: Viewer, input: CampaignInput): Promise<Campaign> {
  return afterWrite(db, campaignCatalogue(db), async (manager) => {
    await refuseTakenCampaign(manager, input, null);
    const repo = manager.getRepository(Campaign);
    const campaign = repo.create({ ...input, id: randomUUID() });
    await repo.insert(campaign);
    const after = await repo.findOneByOrFail({ id: campaign.id });
    await recordAudit(manager, actor, { action: 'CREATE', subjectType: 'Campaign', subjectId: after.nodeId, before: null, after: snapshot(after) });
    return after;
  });
}

/** Replaces a campaign's fields if it is still at `expectedVersion`. */
export function updateCampaign(db: DataSource, actor: Viewer, id: string, expectedVersion: number, input: CampaignInput): Promise<Campaign> {
  return afterWrite(db, campaignCatalogue(db), async (manager) => {
    const before = await currentCampaign(manager, id, expectedVersion);
    await refuseTakenCampaign(manager, input, id);
    const result = await manager
      .createQueryBuilder()
      .update(Campaign)
      .set({ ...input })
      .where('id = :id AND version = :expectedVersion', { id, expectedVersion })
      .execute();
    if (result.affected === 0) throw new ConflictError('The campaign changed while this edit was being saved; reload it and try again');
    const after = await manager.getRepository(Campaign).findOneByOrFail({ id });
    await recordAudit(manager, actor, { action: 'UPDATE', subjectType: 'Campaign', subjectId: after.nodeId, before: snapshot(before), after: snapshot(after) });
    return after;
  });
}

/** Deletes a campaign; its stories and posts stay, without a campaign. */
export function deleteCampaign(db: DataSource, actor: Viewer, id: string, expectedVersion: number): Promise<string> {
  return afterWrite(db, campaignCatalogue(db), async (manager) => {
    const before = await currentCampaign(manager, id, expectedVersion);
    await recordAudit(manager, actor, { action: 'DELETE', subjectType: 'Campaign', subjectId: before.nodeId, before: snapshot(before), after: null });
    await manager.delete(Campaign, { id });
    return before.nodeId;
  });
}

/** Adds a member; its code must be new. */
export function createMemberNation(db: DataSource, actor: Viewer, input: MemberNationInput): Promise<MemberNation> {
  return afterWrite(db, nationCatalogue(db), async (manager) => {
    const code = normaliseNationCode(input.code);
    const repo = manager.getRepository(MemberNation);
    if (await repo.existsBy({ code })) throw new ConflictError(`A member with code ${code} exists already`, { field: 'code' });
    await repo.insert({ ...input, code, region: input.region ?? null, joinedYear: input.joinedYear ?? null });
    const after = await repo.findOneByOrFail({ code });
    await recordAudit(manager, actor, { action: 'CREATE', subjectType: 'MemberNation', subjectId: code, before: null, after: snapshot(after) });
    return after;
  });
}

/** Changes a member; a new code carries over to every item tagged with the old one. */
export function updateMemberNation(db: DataSource, actor: Viewer, code: string, input: MemberNationInput): Promise<MemberNation> {
  return afterWrite(db, nationCatalogue(db), async (manager) => {
    const repo = manager.getRepository(MemberNation);
    const current = normaliseNationCode(code);
    const before = await repo.findOneBy({ code: current });
    if (!before) throw new NotFoundError(`No member with code ${current}`);
    const next = normaliseNationCode(input.code);
    if (next !== current && (await repo.existsBy({ code: next }))) throw new ConflictError(`A member with code ${next} exists already`, { field: 'code' });
    await repo.update({ code: current }, { ...input, code: next, region: input.region ?? null, joinedYear: input.joinedYear ?? null });
    const after = await repo.findOneByOrFail({ code: next });
    await recordAudit(manager, actor, { action: 'UPDATE', subjectType: 'MemberNation', subjectId: next, before: snapshot(before), after: snapshot(after) });
    return after;
  });
}

/** Removes a member; items keep their countries but lose the member's tag. */
export function deleteMemberNation(db: DataSource, actor: Viewer, code: string): Promise<string> {
  return afterWrite(db, nationCatalogue(db), async (manager) => {
    const repo = manager.getRepository(MemberNation);
    const current = normaliseNationCode(code);
    const before = await repo.findOneBy({ code: current });
    if (!before) throw new NotFoundError(`No member with code ${current}`);
    await recordAudit(manager, actor, { action: 'DELETE', subjectType: 'MemberNation', subjectId: current, before: snapshot(before), after: null });
    await repo.delete({ code: current });
    return current;
  });
}

/** Runs a write in a transaction, then drops this process's copy of the table it changed. */
async function afterWrite<T>(db: DataSource, catalogue: { clear(): void }, write: (manager: EntityManager) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(write);
  } finally {
    catalogue.clear();
  }
}

async function currentCampaign(manager: EntityManager, id: string, expectedVersion: number): Promise<Campaign> {
  const campaign = await manager.getRepository(Campaign).findOneBy({ id });
  if (!campaign) throw new NotFoundError('No such campaign', { id });
  if (campaign.version !== expectedVersion) {
    throw new ConflictError(`The campaign has changed since version ${expectedVersion}: it is at version ${campaign.version}`, {
      expectedVersion,
      currentVersion: campaign.version,
    });
  }
  return campaign;
}

async function refuseTakenCampaign(manager: EntityManager, input: CampaignInput, ownId: string | null): Promise<void> {
  const holder = await manager
    .getRepository(Campaign)
    .createQueryBuilder('k')
    .where('(k.slug = :slug OR LOWER(k.hashtag) = :hashtag)', { slug: input.slug, hashtag: input.hashtag.toLowerCase() })
    .getOne();
  if (holder && holder.id !== ownId) {
    const field = holder.slug === input.slug ? 'slug' : 'hashtag';
    throw new ConflictError(`Another campaign already has this ${field}`, { field });
  }
}
