import { SourceKind } from '../../shared/content/source-kind';
import type { Connector } from '../connector';
import { csvConnector } from './csv';
import { feedConnector } from './feed';
import { iatiConnector } from './iati';
import { socialArchiveConnector } from './social-archive';
import { wordpressConnector } from './wordpress';

/** The kinds of source a connector reads: every SourceKind but the demo and synthetic content, which are loaded, not fetched. */
export type IngestKind = Exclude<SourceKind, SourceKind.DEMO | SourceKind.SYNTHETIC>;

/** The connector of each kind of source. */
export const CONNECTORS: Readonly<Record<IngestKind, Connector>> = {
  [SourceKind.FEED]: feedConnector,
  [SourceKind.WORDPRESS]: wordpressConnector,
  [SourceKind.SOCIAL_ARCHIVE]: socialArchiveConnector,
  [SourceKind.IATI]: iatiConnector,
  [SourceKind.CSV]: csvConnector,
};

/** Every kind a source can have, in the order the docs list them. */
export const INGEST_KINDS = Object.keys(CONNECTORS) as readonly IngestKind[];

/** True for a kind a source can have. */
export function isIngestKind(kind: string): kind is IngestKind {
  return Object.hasOwn(CONNECTORS, kind);
}
