import { ContentType } from '../shared/content/content-status';
import { BY_COUNTRY, findContentPagesByParent, visibleContent, type ContentQuery, type Visibility } from '../shared/content/content.query';
import type { ContentReads } from '../shared/content/content.reads';
import { createPageLoader, type ListOptions } from '../shared/pagination/page.loader';
import type { StabilisationProject } from './stabilisation-project.entity';

/** The projects a viewer may see, reading `properties` (every column when absent): the countries' lists, loaded or prefetched. */
export function visibleProjects(reads: ContentReads, visible: Visibility, properties?: readonly string[]): ContentQuery {
  return visibleContent(reads, visible, [ContentType.STABILISATION_PROJECT], properties);
}

/** Loaders of the stabilisation-projects domain, made per request. */
export function createStabilisationProjectLoaders(reads: ContentReads, visible: Visibility) {
  return {
    /** Projects located in a country, keyed by its alpha-3 code (a member's code). */
    projectsByCountryCode: createPageLoader<StabilisationProject, ListOptions | undefined>('projectsByCountryCode', (codes, page, options) =>
      findContentPagesByParent(visibleProjects(reads, visible, options?.properties).inLocale(options?.locale), BY_COUNTRY, codes, page),
      reads.scope,
    ),
  };
}

export type StabilisationProjectLoaders = ReturnType<typeof createStabilisationProjectLoaders>;
