import type { DataSource } from 'typeorm';
import type { StatementScope } from '../db/statement-scope';
import type { Locale } from './content/locale';
import type { Viewer } from './viewer';

/**
 * What every resolver receives through `@Ctx()`, made fresh for each request.
 * Generic in its loaders so that a domain names only the loaders it uses
 * (`Context<DigestArticleLoaders & MemberNationLoaders>`) and never imports the server.
 */
export interface Context<Loaders = unknown> {
  /** The request's id, also sent back in the `x-request-id` header. */
  readonly requestId: string;
  readonly db: DataSource;
  /** Who is calling, from the request's API key. */
  readonly viewer: Viewer;
  /** DataLoaders made for this request only, so nothing is cached across requests. */
  readonly loaders: Loaders;
  /** The request's statements: counted, and cancelled when the request runs past its time limit. */
  readonly scope?: StatementScope;
  /** The locale content is served in unless a root field's `locale` says otherwise: from `Accept-Language`, else English. */
  readonly locale?: Locale;
}
