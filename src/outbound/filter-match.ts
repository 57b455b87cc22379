import type { ChangeRow } from '../changes/change-row';
import type { FeedFilter } from '../feed/feed.inputs';
import { normaliseNationCode } from '../member-nations/member-nation.entity';

/** What a filter is matched against: an item's attributes (or a change's, before and after joined). */
export interface FilterSubject {
  readonly type: string | null;
  readonly nations: readonly string[];
  readonly countries: readonly string[];
  /** Campaign slugs. */
  readonly campaigns: readonly string[];
  readonly tags: readonly string[];
  readonly publishedFrom: Date | null;
  readonly publishedUntil: Date | null;
}

/**
 * Whether `subject` matches `filter`, with `Query.feed`'s rules: values within
 * a field OR-ed, fields AND-ed, an empty field not filtering. In memory, for
 * live deliveries (subscriptions, webhooks), where each change is matched
 * against every subscriber's filter as it arrives.
 */
export function matchesFilter(subject: FilterSubject, filter: FeedFilter | null | undefined): boolean {
  if (!filter) return true;
  const any = (wanted: readonly string[] | null | undefined, have: readonly string[], normalise: (value: string) => string) =>
    !wanted?.length || wanted.some((value) => have.includes(normalise(value)));
  if (filter.types?.length && !filter.types.includes(subject.type as never)) return false;
  if (!any(filter.nations, subject.nations, normaliseNationCode)) return false;
  if (!any(filter.countries, subject.countries, (code) => code.toUpperCase())) return false;
  if (!any(filter.campaigns, subject.campaigns, (slug) => slug)) return false;
  if (!any(filter.tags, subject.tags, (tag) => tag.toLowerCase())) return false;
  if (filter.publishedAfter && (!subject.publishedUntil || subject.publishedUntil.getTime() < timeOf(filter.publishedAfter))) return false;
  if (filter.publishedBefore && (!subject.publishedFrom || subject.publishedFrom.getTime() >= timeOf(filter.publishedBefore))) return false;
  return true;
}

/**
 * A filter's date as a time: a Date from GraphQL, or its ISO text from a
 * filter stored as JSON (a webhook's). Compared as they were, a Date with a
 * text was compared as a number with NaN, and no date ever filtered a webhook.
 */
function timeOf(value: Date | string): number {
  return typeof value === 'string' ? Date.parse(value) : value.getTime();
}

/** A change-log row as a filter subject (its attributes before and after the change, joined). */
export function changeSubject(row: ChangeRow): FilterSubject {
  return { ...row, type: row.contentType };
}
