import type { DataSource } from 'typeorm';
import type { Campaign } from '../campaigns/campaign.entity';
import type { StatementScope } from '../db/statement-scope';
import type { MemberNation } from '../member-nations/member-nation.entity';
import * as store from '../store/catalogue';
import { write, type Actor } from '../store/session';
import type { CampaignInput, MemberNationInput } from './catalogue.inputs';

/** Creates a campaign; slug and hashtag (in any case) must be free. */
export function createCampaign(db: DataSource, actor: Actor, input: CampaignInput, scope?: StatementScope): Promise<Campaign> {
  return write(db, actor, (session) => store.createCampaign(session, input), scope);
}

/** Replaces a campaign's fields if it is still at `expectedVersion`. */
export function updateCampaign(db: DataSource, actor: Actor, id: string, expectedVersion: number, input: CampaignInput, scope?: StatementScope): Promise<Campaign> {
  return write(db, actor, (session) => store.updateCampaign(session, id, expectedVersion, input), scope);
}

/** Deletes a campaign; its stories and posts stay, without a campaign. */
export function deleteCampaign(db: DataSource, actor: Actor, id: string, expectedVersion: number, scope?: StatementScope): Promise<string> {
  return write(db, actor, (session) => store.deleteCampaign(session, id, expectedVersion), scope);
}

/** Adds a member; its code must be new. */
export function createMemberNation(db: DataSource, actor: Actor, input: MemberNationInput, scope?: StatementScope): Promise<MemberNation> {
  return write(db, actor, (session) => store.createMemberNation(session, input), scope);
}

/** Changes a member; a new code carries over to every item tagged with the old one. */
export function updateMemberNation(db: DataSource, actor: Actor, code: string, input: MemberNationInput, scope?: StatementScope): Promise<MemberNation> {
  return write(db, actor, (session) => store.updateMemberNation(session, code, input), scope);
}

/** Removes a member; items keep their countries but lose the member's tag. */
export function deleteMemberNation(db: DataSource, actor: Actor, code: string, scope?: StatementScope): Promise<string> {
  return write(db, actor, (session) => store.deleteMemberNation(session, code), scope);
}
