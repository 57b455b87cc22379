import { Arg, Args, Authorized, Ctx, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Campaign } from '../campaigns/campaign.entity';
import { MemberNation } from '../member-nations/member-nation.entity';
import type { Context } from '../shared/context';
import { decodeGlobalIdOf } from '../shared/node/global-id';
import { ConnectionArgs } from '../shared/pagination/connection.args';
import { ConnectionType, type Connection } from '../shared/pagination/connection.type';
import { pageOf, pageRequest, type Keyset } from '../shared/pagination/keyset';
import { Role } from '../shared/viewer';
import { AuditEntry } from '../store/audit-entry.entity';
import { CampaignInput, MemberNationInput } from './catalogue.inputs';
import { createCampaign, createMemberNation, deleteCampaign, deleteMemberNation, updateCampaign, updateMemberNation } from './catalogue.service';

@Resolver()
export class CampaignMutations {
  @Authorized(Role.EDITOR)
  @Mutation(() => Campaign, { description: 'Creates a campaign. Needs the EDITOR role.' })
  createCampaign(@Arg('input', () => CampaignInput, { description: 'The new campaign.' }) input: CampaignInput, @Ctx() ctx: Context): Promise<Campaign> {
    return createCampaign(ctx.db, ctx.viewer, input, ctx.scope);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => Campaign, { description: 'Replaces a campaign’s fields; CONFLICT if it changed since `expectedVersion`. Needs the EDITOR role.' })
  updateCampaign(
    @Arg('id', () => ID, { description: 'The campaign’s id.' }) id: string,
    @Arg('expectedVersion', () => Int, { description: 'The `version` the editor read.' }) expectedVersion: number,
    @Arg('input', () => CampaignInput, { description: 'The campaign’s new fields.' }) input: CampaignInput,
    @Ctx() ctx: Context,
  ): Promise<Campaign> {
    return updateCampaign(ctx.db, ctx.viewer, decodeGlobalIdOf('Campaign', id), expectedVersion, input, ctx.scope);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => ID, { description: 'Deletes a campaign; its stories and posts remain, without a campaign. Needs the EDITOR role.' })
  deleteCampaign(
    @Arg('id', () => ID, { description: 'The campaign’s id.' }) id: string,
    @Arg('expectedVersion', () => Int, { description: 'The `version` the editor read.' }) expectedVersion: number,
    @Ctx() ctx: Context,
  ): Promise<string> {
    return deleteCampaign(ctx.db, ctx.viewer, decodeGlobalIdOf('Campaign', id), expectedVersion, ctx.scope);
  }
}

@Resolver()
export class MemberNationMutations {
  @Authorized(Role.ADMIN)
  @Mutation(() => MemberNation, { description: 'Adds a coalition member. Needs the ADMIN role.' })
  createMemberNation(@Arg('input', () => MemberNationInput, { description: 'The new member.' }) input: MemberNationInput, @Ctx() ctx: Context): Promise<MemberNation> {
    return createMemberNation(ctx.db, ctx.viewer, input, ctx.scope);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => MemberNation, { description: 'Changes a member; a changed code carries over to its tagged items. Needs the ADMIN role.' })
  updateMemberNation(
    @Arg('code', { description: 'The member’s current code.' }) code: string,
    @Arg('input', () => MemberNationInput, { description: 'The member’s new fields.' }) input: MemberNationInput,
    @Ctx() ctx: Context,
  ): Promise<MemberNation> {
    return updateMemberNation(ctx.db, ctx.viewer, code, input, ctx.scope);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => String, { description: 'Removes a member and returns its code. Needs the ADMIN role.' })
  deleteMemberNation(@Arg('code', { description: 'The member’s code.' }) code: string, @Ctx() ctx: Context): Promise<string> {
    return deleteMemberNation(ctx.db, ctx.viewer, code, ctx.scope);
  }
}

@ObjectType({ description: 'A page of the audit log, newest first.' })
export class AuditEntryConnection extends ConnectionType<AuditEntry>(AuditEntry, 'AuditEntry') {}

const AUDIT_KEYSET: Keyset<AuditEntry> = {
  columns: ['a.at', 'a.id'],
  kinds: ['date', 'uuid'],
  order: 'DESC',
  key: (entry) => [entry.at, entry.id],
};

@Resolver()
export class AuditLogResolver {
  @Authorized(Role.ADMIN)
  @Query(() => AuditEntryConnection, { description: 'Every write, newest first: who, what, when, before and after. Needs the ADMIN role.' })
  async auditLog(
    @Args() args: ConnectionArgs,
    @Arg('subjectId', () => ID, { nullable: true, description: 'Only the writes to this record (a global id, or a member code).' }) subjectId: string | null,
    @Ctx() ctx: Context,
  ): Promise<Connection<AuditEntry>> {
    const page = pageRequest(args, AUDIT_KEYSET.kinds);
    const qb = ctx.db.getRepository(AuditEntry).createQueryBuilder('a');
    if (subjectId) qb.where('a.subjectId = :subjectId', { subjectId });
    return pageOf(qb, AUDIT_KEYSET, page);
  }
}
