import type { Content } from '../shared/content/content.entity';
import type { Visibility } from '../shared/content/content.query';
import type { ContentReads } from '../shared/content/content.reads';
import { createPageLoader } from '../shared/pagination/page.loader';
import type { Locale } from '../shared/content/locale';
import type { FeedFilter } from './feed.inputs';
import { findNationFeedPages } from './feed.service';

/** Loaders of the feed, made per request. */
export function createFeedLoaders(reads: ContentReads, visible: Visibility) {
  return {
    feedByNationCode: createPageLoader<Content, { filter: FeedFilter | null; properties: readonly string[]; locale?: Locale }>(
      'feedByNationCode',
      (codes, page, { filter, properties, locale }) => findNationFeedPages(reads, visible, codes, filter, page, properties, locale),
      reads.scope,
    ),
  };
}

export type FeedLoaders = ReturnType<typeof createFeedLoaders>;
