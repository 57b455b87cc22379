import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Campaign } from '../campaigns/campaign.entity';
import { hashtagKey } from '../campaigns/hashtag-key';
import { isUniqueViolation } from '../db/failures';
import { MemberNation, normaliseNationCode } from '../member-nations/member-nation.entity';
import { ConflictError, NotFoundError } from '../shared/errors';
import { recordAudit, snapshot } from './audit';
import { recordChange } from './content';
import { readItemStates, type ItemState } from './item-state';
import { indexNations, unindexNation } from './search-index';
import type { WriteSession } from './session';

/** A campaign's editable fields. */
export interface CampaignFields {
  readonly slug: string;
  readonly hashtag: string;
  readonly title: string;
  readonly summary: string;
}

/** A member's editable fields. */
export interface MemberFields {
  readonly code: string;
  readonly name: string;
  readonly kind: MemberNation['kind'];
  readonly region?: string | null;
  readonly joinedYear?: number | null;
}

/** Creates a campaign; slug and hashtag (in any case) must be free. */
export async function createCampaign(session: WriteSession, input: CampaignFields, id: string = randomUUID()): Promise<Campaign> {
  const { manager } = session;
  await refuseTakenCampaign(manager, input, null);
  const repo = manager.getRepository(Campaign);
  await refusingTaken(repo.insert(repo.create({ ...input, hashtagKey: hashtagKey(input.hashtag), id })));
  const after = await repo.findOneByOrFail({ id });
  await recordAudit(manager, session.actor, { action: 'CREATE', subjectType: 'Campaign', subjectId: after.nodeId, before: null, after: snapshot(after) });
  session.change({ subject: 'CAMPAIGN', kind: 'CREATED', subjectId: id });
  return after;
}

/**
 * Replaces a campaign's fields if it is still at `expectedVersion` (any
 * version when null: the demo loader's upsert). A new slug changes what
 * readers filtering by campaign see of its stories and posts, so each
 * published one gets an UPDATED entry too.
 */
export async function updateCampaign(session: WriteSession, id: string, expectedVersion: number | null, input: CampaignFields): Promise<Campaign> {
  const { manager } = session;
  const before = await currentCampaign(manager, id, expectedVersion);
  await refuseTakenCampaign(manager, input, id);
  const items = before.slug !== input.slug ? await publishedItemsOf(manager, 'c.campaign_id = :id', { id }) : [];
  const result = await refusingTaken(
    manager
      .createQueryBuilder()
      .update(Campaign)
      .set({ ...input, hashtagKey: hashtagKey(input.hashtag) })
      .where('id = :id AND version = :version', { id, version: before.version })
      .execute(),
  );
  if (result.affected === 0) throw new ConflictError('The campaign changed while this edit was being saved; reload it and try again');
  const after = await manager.getRepository(Campaign).findOneByOrFail({ id });
  await recordAudit(manager, session.actor, { action: 'UPDATE', subjectType: 'Campaign', subjectId: after.nodeId, before: snapshot(before), after: snapshot(after) });
  session.change({ subject: 'CAMPAIGN', kind: 'UPDATED', subjectId: id });
  for (const item of items) recordChange(session, item, { ...item, campaign: input.slug });
  return after;
}

/** Deletes a campaign; its stories and posts stay, without a campaign (each published one gets an UPDATED entry). */
export async function deleteCampaign(session: WriteSession, id: string, expectedVersion: number): Promise<string> {
  const { manager } = session;
  const before = await currentCampaign(manager, id, expectedVersion);
  const items = await publishedItemsOf(manager, 'c.campaign_id = :id', { id });
  await recordAudit(manager, session.actor, { action: 'DELETE', subjectType: 'Campaign', subjectId: before.nodeId, before: snapshot(before), after: null });
  // The foreign key sets the items' campaign to null.
  await manager.delete(Campaign, { id });
  session.change({ subject: 'CAMPAIGN', kind: 'DELETED', subjectId: id });
  for (const item of items) recordChange(session, item, { ...item, campaign: null });
  return before.nodeId;
}

/** Adds a member; its code must be new. */
export async function createMemberNation(session: WriteSession, input: MemberFields): Promise<MemberNation> {
  const { manager } = session;
  const code = normaliseNationCode(input.code);
  const repo = manager.getRepository(MemberNation);
  if (await repo.existsBy({ code })) throw new ConflictError(`A member with code ${code} exists already`, { field: 'code' });
  await repo.insert({ ...input, code, region: input.region ?? null, joinedYear: input.joinedYear ?? null });
  const after = await repo.findOneByOrFail({ code });
  await indexNations(manager, [after]);
  await recordAudit(manager, session.actor, { action: 'CREATE', subjectType: 'MemberNation', subjectId: code, before: null, after: snapshot(after) });
  session.change({ subject: 'MEMBER', kind: 'CREATED', subjectId: code });
  return after;
}

/**
 * Changes a member. A new code carries over to every item tagged with the old
 * one (the foreign key cascades), which changes what readers filtering by
 * nation see: each such published item gets an UPDATED entry.
 */
export async function updateMemberNation(session: WriteSession, code: string, input: MemberFields): Promise<MemberNation> {
  const { manager } = session;
  const repo = manager.getRepository(MemberNation);
  const current = normaliseNationCode(code);
  const before = await repo.findOneBy({ code: current });
  if (!before) throw new NotFoundError(`No member with code ${current}`);
  const next = normaliseNationCode(input.code);
  if (next !== current && (await repo.existsBy({ code: next }))) throw new ConflictError(`A member with code ${next} exists already`, { field: 'code' });
  const items = next !== current ? await publishedItemsOf(manager, taggedWith, { code: current }) : [];
  await repo.update({ code: current }, { ...input, code: next, region: input.region ?? null, joinedYear: input.joinedYear ?? null });
  const after = await repo.findOneByOrFail({ code: next });
  if (next !== current) await unindexNation(manager, current);
  await indexNations(manager, [after]);
  await recordAudit(manager, session.actor, { action: 'UPDATE', subjectType: 'MemberNation', subjectId: next, before: snapshot(before), after: snapshot(after) });
  session.change({ subject: 'MEMBER', kind: 'UPDATED', subjectId: current });
  if (next !== current) session.change({ subject: 'MEMBER', kind: 'CREATED', subjectId: next });
  for (const item of items) recordChange(session, item, { ...item, nations: item.nations.map((n) => (n === current ? next : n)).sort() });
  return after;
}

/** Removes a member; items keep their countries but lose the member's tag (each published one gets an UPDATED entry). */
export async function deleteMemberNation(session: WriteSession, code: string): Promise<string> {
  const { manager } = session;
  const repo = manager.getRepository(MemberNation);
  const current = normaliseNationCode(code);
  const before = await repo.findOneBy({ code: current });
  if (!before) throw new NotFoundError(`No member with code ${current}`);
  const items = await publishedItemsOf(manager, taggedWith, { code: current });
  await recordAudit(manager, session.actor, { action: 'DELETE', subjectType: 'MemberNation', subjectId: current, before: snapshot(before), after: null });
  // The foreign key deletes the items' tags for this member.
  await repo.delete({ code: current });
  await unindexNation(manager, current);
  session.change({ subject: 'MEMBER', kind: 'DELETED', subjectId: current });
  for (const item of items) recordChange(session, item, { ...item, nations: item.nations.filter((n) => n !== current) });
  return current;
}

const taggedWith = 'EXISTS (SELECT 1 FROM content_nation t WHERE t.content_id = c.id AND t.nation_code = :code)';

/** The published items a cascade touches, as they are before it. */
function publishedItemsOf(manager: EntityManager, where: string, parameters: Record<string, unknown>): Promise<ItemState[]> {
  return readItemStates(manager, `c.status = 'PUBLISHED' AND ${where}`, parameters);
}

async function currentCampaign(manager: EntityManager, id: string, expectedVersion: number | null): Promise<Campaign> {
  const campaign = await manager.getRepository(Campaign).findOneBy({ id });
  if (!campaign) throw new NotFoundError('No such campaign', { id });
  if (expectedVersion !== null && campaign.version !== expectedVersion) {
    throw new ConflictError(`The campaign has changed since version ${expectedVersion}: it is at version ${campaign.version}`, {
      expectedVersion,
      currentVersion: campaign.version,
    });
  }
  return campaign;
}

/**
 * Refuses a slug or hashtag another campaign has, the hashtag in any case.
 * Cases are compared here, as posts are matched to campaigns
 * (`content-rows.ts`), by {@link hashtagKey} in JavaScript: SQLite's `LOWER`
 * folds ASCII only, so `LOWER(hashtag)` let `ÉcoleOuverte` beside
 * `écoleouverte` there. Campaigns are a short catalogue, which every content
 * write reads whole already (`loadLookups`). The database refuses the same
 * (see {@link refusingTaken}); this check says so without a failed statement.
 */
async function refuseTakenCampaign(manager: EntityManager, input: CampaignFields, ownId: string | null): Promise<void> {
  const key = hashtagKey(input.hashtag);
  const campaigns = await manager.getRepository(Campaign).find({ select: { id: true, slug: true, hashtag: true } });
  const holder = campaigns.find((campaign) => campaign.id !== ownId && (campaign.slug === input.slug || hashtagKey(campaign.hashtag) === key));
  if (holder) throw takenError(holder.slug === input.slug ? 'slug' : 'hashtag');
}

/** The unique indexes a campaign's write may break, by the field they keep unique. */
const CAMPAIGN_INDEXES = [
  { field: 'slug', index: { name: 'UQ_campaign_slug', table: 'campaign', columns: ['slug'] } },
  { field: 'hashtag', index: { name: 'UQ_campaign_hashtag_key', table: 'campaign', columns: ['hashtag_key'] } },
] as const;

/**
 * A campaign's INSERT or UPDATE, a unique index's refusal becoming the
 * CONFLICT {@link refuseTakenCampaign} gives. That check cannot see a
 * campaign another transaction is writing at the same moment (another
 * request, another gateway process): on PostgreSQL both pass it, and the
 * second write waits for the first to commit, is refused by the index (on
 * `hashtag_key` for a hashtag in another case), and its editor is told why
 * rather than given an internal error. (On SQLite writes take turns, also
 * between processes, from their BEGIN: the second's check sees the first.)
 */
async function refusingTaken<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    const taken = CAMPAIGN_INDEXES.find(({ index }) => isUniqueViolation(error, index));
    throw taken ? takenError(taken.field) : error;
  }
}

function takenError(field: 'slug' | 'hashtag'): ConflictError {
  return new ConflictError(`Another campaign already has this ${field}`, { field });
}
