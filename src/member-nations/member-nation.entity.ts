import { Directive, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { encodeGlobalId } from '../shared/node/global-id';
import { Node } from '../shared/node/node.interface';

/** Whether a coalition member is a state or an international organisation. */
export enum NationKind {
  COUNTRY = 'COUNTRY',
  ORGANISATION = 'ORGANISATION',
}

registerEnumType(NationKind, {
  name: 'NationKind',
  description: 'Whether a coalition member is a country or an international organisation.',
  valuesConfig: {
    COUNTRY: { description: 'A state; its code is its ISO 3166-1 alpha-3 code.' },
    ORGANISATION: { description: 'An international organisation such as the EU, NATO, INTERPOL, the Arab League or CEN-SAD.' },
  },
});

/**
 * One of the coalition's 81 members (October 2019). The code is the natural key:
 * content is tagged with it and federation resolves nations by it.
 */
@Entity({ name: 'member_nation' })
@Index('IDX_member_nation_name', ['name', 'code'])
@Directive('@key(fields: "code")')
@ObjectType({
  implements: Node,
  description: 'A member of the Global Coalition against Daesh: a country or an international organisation.',
})
export class MemberNation implements Node {
  @Field({
    description:
      'ISO 3166-1 alpha-3 code for a country (Kosovo: XKX); EU, NATO, INTERPOL, LAS (Arab League) or CENSAD for an organisation. Arguments accept any letter case.',
  })
  @PrimaryColumn({ type: 'varchar', length: 16, primaryKeyConstraintName: 'PK_member_nation' })
  code!: string;

  @Field({ description: 'Common English name, e.g. "United Kingdom" or "Arab League".' })
  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Field(() => NationKind, { description: 'Country or international organisation.' })
  @Column({ type: 'varchar', length: 16 })
  kind!: NationKind;

  @Field(() => String, {
    nullable: true,
    description: 'Region (UN M49 continents, with North Africa and Western Asia as "Middle East and North Africa"); null for NATO and INTERPOL.',
  })
  @Column({ type: 'varchar', length: 100, nullable: true })
  region!: string | null;

  @Field(() => Int, { nullable: true, description: 'Year the member joined the coalition; null where no source confirms it.' })
  @Column({ type: 'integer', nullable: true })
  joinedYear!: number | null;

  get nodeId(): string {
    return encodeGlobalId('MemberNation', this.code);
  }
}

/** Normalises a member code from input: codes match case-insensitively. */
export function normaliseNationCode(code: string): string {
  return code.trim().toUpperCase();
}
