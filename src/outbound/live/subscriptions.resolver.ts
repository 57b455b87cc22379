import { Arg, Resolver, Root, Subscription } from 'type-graphql';
import { ContentChange } from '../../changes/change-feed.types';
import { toChange } from '../../changes/change-feed';
import { ContentChangeKind } from '../../changes/change-log';
import { FeedFilter } from '../../feed/feed.inputs';
import { Content } from '../../shared/content/content.entity';
import { Locale, LOCALE_ARGUMENT } from '../../shared/content/locale';
import { validateArgument } from '../../shared/validation';
import { matchesFilter } from '../filter-match';
import type { LiveEvent, LiveEvents } from './live-events';
import { LiveQueue } from './live-queue';

/** What a subscription's event carries to its selection: the shared event and what this subscriber gets of it. */
export interface LivePayload {
  readonly event: LiveEvent;
  readonly item: Content | null;
}

/** The context a subscription's `subscribe` gets (set in `onSubscribe`). */
export interface SubscriptionContext {
  readonly live: LiveEvents;
  /** The locale of the socket's upgrade request (`Accept-Language`), for subscriptions that name none. */
  readonly locale: Locale | null;
}

/**
 * Live content over graphql-ws. Subscriptions carry published content only,
 * whatever the caller's role; each event's item is read once for every
 * subscriber (see `LiveEvent`).
 */
@Resolver()
export class SubscriptionResolver {
  @Subscription(() => Content, {
    description:
      'Fires when an item becomes visible: its first publication, or a publication after it was withdrawn (an update of a published item is not a new publication: follow `contentChanges` for those). Published content only, whatever the role.',
    subscribe: ({ args, context }) => subscribe(context as SubscriptionContext, args.filter, args.locale, true),
  })
  contentPublished(
    @Root() payload: LivePayload,
    @Arg('filter', () => FeedFilter, { nullable: true, description: 'Which items to receive, as in `Query.feed`; all when omitted.' }) _filter: FeedFilter | null,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) _locale: Locale | null,
  ): Content {
    return payload.item!;
  }

  @Subscription(() => ContentChange, {
    description:
      'Every change to published content as it is committed, in order: PUBLISHED, UPDATED, UNPUBLISHED, DELETED, as `Query.feedChanges` pages them (the same `item` rules). Published content only, whatever the role.',
    subscribe: ({ args, context }) => subscribe(context as SubscriptionContext, args.filter, args.locale, false),
  })
  contentChanges(
    @Root() payload: LivePayload,
    @Arg('filter', () => FeedFilter, { nullable: true, description: 'Which changes to receive, as in `Query.feedChanges`; all when omitted.' }) _filter: FeedFilter | null,
    @Arg('locale', () => Locale, { nullable: true, description: LOCALE_ARGUMENT }) _locale: Locale | null,
  ): ContentChange {
    return toChange(payload.event.row, payload.item);
  }
}

/**
 * The event stream of one subscription: every live event that matches its
 * filter (on the change's attributes before and after), with the item it
 * gets: for `contentPublished` only publications whose item is visible; for
 * `contentChanges` the item when it is visible and still matches the filter.
 */
async function subscribe(context: SubscriptionContext, rawFilter: unknown, asked: Locale | null | undefined, publishedOnly: boolean): Promise<AsyncIterable<LivePayload>> {
  const locale = asked ?? context.locale ?? Locale.EN;
  const filter = rawFilter ? Object.assign(new FeedFilter(), rawFilter) : null;
  if (filter) await validateArgument(filter);
  const queue = new LiveQueue<LiveEvent, LivePayload>(async (event) => {
    let item = await event.item(locale);
    if (publishedOnly && !item) return null;
    if (item && filter) {
      const now = await event.currentSubject();
      if (!now || !matchesFilter(now, filter)) item = null;
      if (publishedOnly && !item) return null;
    }
    return { event, item };
  }, context.live.maxQueued);
  const stop = context.live.listen((event) => {
    if (publishedOnly && event.row.kind !== ContentChangeKind.PUBLISHED) return;
    if (matchesFilter(event.subject, filter)) queue.push(event);
  }, () => queue.idle);
  return queue.iterable(stop);
}
