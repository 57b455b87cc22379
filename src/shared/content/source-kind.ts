import { registerEnumType } from 'type-graphql';

/** How an item came into the graph: which kind of connector (or loader) wrote it. */
export enum SourceKind {
  FEED = 'FEED',
  WORDPRESS = 'WORDPRESS',
  SOCIAL_ARCHIVE = 'SOCIAL_ARCHIVE',
  IATI = 'IATI',
  CSV = 'CSV',
  DEMO = 'DEMO',
  SYNTHETIC = 'SYNTHETIC',
}

registerEnumType(SourceKind, {
  name: 'SourceKind',
  description: 'The kind of system an item was imported from.',
  valuesConfig: {
    FEED: { description: 'A news feed: RSS 2.0, RSS 1.0 (RDF), Atom 1.0 or JSON Feed.' },
    WORDPRESS: { description: 'A WordPress site, through its REST API (`/wp-json/wp/v2/posts`).' },
    SOCIAL_ARCHIVE: { description: 'A social account’s archive: X’s `tweets.js` export, or JSON Lines of the same records.' },
    IATI: { description: 'An IATI activity file (standard 2.0x XML), as partners such as UNDP publish their projects.' },
    CSV: { description: 'A CSV file with a header row.' },
    DEMO: { description: 'The demo content that ships with the gateway.' },
    SYNTHETIC: { description: 'Generated content for benchmarks and load tests.' },
  },
});
