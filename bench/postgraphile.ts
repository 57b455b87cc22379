/**
 * PostGraphile 5 over the gateway's own tables: the reference the benchmark
 * compares the gateway with. Run as a child process by `bench/run.ts`
 * (`node dist/bench/postgraphile.js`, with `DATABASE_URL` and `PORT`), or
 * started in-process with a counting pool to measure statements per request.
 *
 * Settings follow PostGraphile's recommendations for production: the Amber
 * preset, `NODE_ENV=production` (Grafast's production mode), no GraphiQL, no
 * explain, no schema watching, a `pg` pool of 10 (the gateway's size too).
 * The only additions describe the tables: the many-to-many plugin for nation
 * tags, a virtual foreign key from a project's `country_code` to its member
 * (the gateway's `MemberNation.stabilisationProjects`), and the private tables
 * (keys, audit log, migrations) left out of the schema.
 */

// PostGraphile 5 declares Node 22; Node 20 lacks only Promise.withResolvers, which Grafast uses.
const PromiseWithResolvers = Promise as unknown as { withResolvers?: () => unknown };
PromiseWithResolvers.withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import { runStandalone } from './servers';

// PostGraphile's subpath exports carry types only for Node16 module resolution;
// this project compiles with node10, so these load untyped through require().
const { postgraphile } = require('postgraphile') as { postgraphile: (preset: object) => PostGraphileInstance };
const { PostGraphileAmberPreset } = require('postgraphile/presets/amber') as { PostGraphileAmberPreset: object };
const { makePgService } = require('postgraphile/adaptors/pg') as { makePgService: (options: object) => object };
const { grafserv } = require('postgraphile/grafserv/node') as { grafserv: unknown };
const { jsonPgSmartTags } = require('postgraphile/utils') as { jsonPgSmartTags: (tags: object) => object };
const { PgManyToManyPreset } = require('@graphile-contrib/pg-many-to-many') as { PgManyToManyPreset: object };

interface PostGraphileInstance {
  createServ(grafserv: unknown): { addTo(server: http.Server): Promise<void>; release(): Promise<void> };
  release(): Promise<void>;
}

/** Smart tags: which tables to leave out, and the relation the schema cannot declare as a constraint. */
const TAGS = jsonPgSmartTags({
  version: 1,
  config: {
    class: {
      // A project's country is any ISO code, member or not, so there is no real FK; a virtual one gives `MemberNation.contentsByCountryCode`.
      content: { tags: { foreignKey: '(country_code) references member_nation (code)' } },
      api_key: { tags: { behavior: '-*' } },
      audit_entry: { tags: { behavior: '-*' } },
      migrations: { tags: { behavior: '-*' } },
    },
  },
});

/** The preset: Amber, many-to-many, the tags above, production options. */
export function postGraphilePreset(connectionString: string, pool?: Pool): object {
  return {
    extends: [PostGraphileAmberPreset, PgManyToManyPreset],
    plugins: [TAGS],
    pgServices: [makePgService({ connectionString, schemas: ['public'], ...(pool ? { pool } : {}) })],
    grafserv: { graphiql: false, watch: false, graphqlPath: '/graphql' },
    grafast: { explain: false },
  };
}

export interface RunningPostGraphile {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves PostGraphile on node:http at `/graphql`. */
export async function startPostGraphile(connectionString: string, port: number, host = '127.0.0.1', pool?: Pool): Promise<RunningPostGraphile> {
  const pgl = postgraphile(postGraphilePreset(connectionString, pool));
  const serv = pgl.createServ(grafserv);
  const server = http.createServer();
  await serv.addTo(server);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, () => resolve()));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/graphql`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await pgl.release(); // releases the serv too
    },
  };
}

if (require.main === module) runStandalone('postgraphile', 'PostGraphile', startPostGraphile);
