import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../../src/config';
import { Role } from '../../src/shared/viewer';
import { createApiKey } from '../../src/store/keys';
import { postOperation } from './http';
import type { GraphQLResponse } from './server';

/** Anything that POSTs an operation to a gateway: `TestGateway`, `ConfiguredGateway`, or a child process's URL. */
export type Post = <T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) => Promise<GraphQLResponse<T>>;

/** A `Post` for a gateway at `url` (a child process). */
export function poster(url: string): Post {
  return (query, variables, headers) => postOperation(url, { query, variables }, headers);
}

/** What a mirror keeps of an item: everything a reader filters by, and what it shows. */
export const MIRROR_ITEM = `fragment MirrorItem on Content {
  id __typename title summary publishedAt countries tags nations { code }
  ... on CampaignStory { campaign { slug } }
  ... on SocialPost { campaign { slug } }
}`;

const FEED_PAGE = `query ($filter: FeedFilter, $after: String) {
  feed(filter: $filter, first: 100, after: $after) { edges { node { ...MirrorItem } } pageInfo { hasNextPage endCursor } }
}
${MIRROR_ITEM}`;

const CHANGES_PAGE = `query ($filter: FeedFilter, $first: Int, $after: String) {
  feedChanges(filter: $filter, first: $first, after: $after) {
    edges { cursor node { cursor kind id type item { ...MirrorItem } } }
    pageInfo { hasNextPage endCursor }
  }
}
${MIRROR_ITEM}`;

export type MirrorItem = Record<string, unknown> & { id: string };
export type Mirror = Map<string, MirrorItem>;

/** One change as a reader gets it. */
export interface ReadChange {
  cursor: string;
  kind: 'PUBLISHED' | 'UPDATED' | 'UNPUBLISHED' | 'DELETED';
  id: string;
  type: string;
  item: MirrorItem | null;
}

/** The data of a response that must have no errors. */
export function dataOf<T = any>(response: GraphQLResponse<T>): T {
  assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
  return response.body.data as T;
}

/** The whole feed (matching `filter`), page by page, as a mirror: id → item. */
export async function readFeed(post: Post, filter: Record<string, unknown> | null = null, headers: Record<string, string> = {}): Promise<Mirror> {
  const mirror: Mirror = new Map();
  let after: string | null = null;
  for (;;) {
    const { feed }: { feed: any } = dataOf(await post(FEED_PAGE, { filter, after }, headers));
    for (const { node } of feed.edges) mirror.set(node.id, node);
    if (!feed.pageInfo.hasNextPage) return mirror;
    after = feed.pageInfo.endCursor;
  }
}

/** One page of `feedChanges`, with its edges' cursors checked against their nodes'. */
export async function readChangePage(
  post: Post,
  after: string | null,
  options: { filter?: Record<string, unknown> | null; first?: number; headers?: Record<string, string> } = {},
): Promise<{ changes: ReadChange[]; hasNextPage: boolean; endCursor: string }> {
  const { feedChanges } = dataOf(await post(CHANGES_PAGE, { filter: options.filter ?? null, first: options.first ?? 100, after }, options.headers ?? {}));
  for (const edge of feedChanges.edges) assert.equal(edge.cursor, edge.node.cursor);
  return { changes: feedChanges.edges.map((edge: { node: ReadChange }) => edge.node), hasNextPage: feedChanges.pageInfo.hasNextPage, endCursor: feedChanges.pageInfo.endCursor };
}

/** Every change after `after`, following `endCursor` until `hasNextPage` is false. */
export async function readChanges(
  post: Post,
  after: string | null,
  options: { filter?: Record<string, unknown> | null; first?: number; headers?: Record<string, string> } = {},
): Promise<{ changes: ReadChange[]; endCursor: string; pages: number }> {
  const changes: ReadChange[] = [];
  let cursor = after;
  for (let pages = 1; ; pages++) {
    const page = await readChangePage(post, cursor, options);
    changes.push(...page.changes);
    cursor = page.endCursor;
    if (!page.hasNextPage) return { changes, endCursor: page.endCursor, pages };
  }
}

/** Applies changes as a partner does: upsert `item` when present, remove `id` when it is null. */
export function applyChanges(mirror: Mirror, changes: readonly ReadChange[]): Mirror {
  for (const change of changes) {
    if (change.item) {
      assert.equal(change.item.id, change.id);
      mirror.set(change.id, change.item);
    } else mirror.delete(change.id);
  }
  return mirror;
}

/** A mirror as a sorted plain object, for whole-value comparisons with readable diffs. */
export function sorted(mirror: Mirror): Record<string, MirrorItem> {
  return Object.fromEntries([...mirror.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Headers with a new key of `role`, made through the one writer as the CLI does. */
export async function keyHeaders(db: DataSource, role: Role, name = `${role.toLowerCase()} desk`): Promise<Record<string, string>> {
  const { secret } = await createApiKey(db, { name, role });
  return { authorization: `Bearer ${secret}` };
}

/** A raw change-log entry, as stored. */
export interface StoredChange {
  seq: number;
  subject: string;
  kind: string;
  subjectId: string;
  contentType: string | null;
  nations: string | null;
  countries: string | null;
  campaigns: string | null;
  tags: string | null;
}

/** The change log's entries after `afterSeq`, oldest first, straight from the table. */
export async function storedChanges(db: DataSource, afterSeq = 0): Promise<StoredChange[]> {
  const postgres = db.options.type === 'postgres';
  const rows = (await db.query(
    `SELECT seq AS "seq", subject AS "subject", kind AS "kind", subject_id AS "subjectId", content_type AS "contentType", nations AS "nations", countries AS "countries", campaigns AS "campaigns", tags AS "tags" FROM change_log WHERE seq > ${postgres ? '$1' : '?'} ORDER BY seq`,
    [afterSeq],
  )) as StoredChange[];
  return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
}

/** The newest position of the change log (0 when empty). */
export async function logHead(db: DataSource): Promise<number> {
  const [row] = (await db.query('SELECT max(seq) AS "head" FROM change_log')) as { head: unknown }[];
  return Number(row?.head ?? 0);
}

/** `DATABASE_URL` for a database made by `freshDatabase`, as a child process or the CLI reads it. */
export function databaseUrl(database: DatabaseConfig): string {
  if (database.kind === 'sqlite') return `sqlite:${database.path}`;
  if (!database.schema) return database.url;
  const url = new URL(database.url);
  url.searchParams.set('schema', database.schema);
  return url.toString();
}

/** The built server entry point: this file runs from dist/tests/helpers/. */
const MAIN = path.resolve(__dirname, '../../src/main.js');

/** A gateway running as a child process (`node dist/src/main.js`). */
export interface ChildGateway {
  readonly url: string;
  readonly post: Post;
  readonly child: ChildProcessWithoutNullStreams;
  stderr(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `node dist/src/main.js` on an ephemeral port with `DATABASE_URL` and
 * `env`, as an operator would (no test-runner context), and waits for its
 * "serving" line to learn the port.
 */
export async function startChildGateway(database: DatabaseConfig, env: Record<string, string> = {}): Promise<ChildGateway> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl(database), PORT: '0', HOST: '127.0.0.1', ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [MAIN], { env: childEnv });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit');
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const match = /^Coalition Graph is serving (http:\/\/127\.0\.0\.1:\d+\/graphql) /m.exec(stdout);
        if (match) resolve(match[1]);
      });
      exited.then(([code, signal]) => reject(new Error(`main.js exited (${code ?? signal}) before serving: ${stdout}${stderr}`)));
    });
    return {
      url,
      post: poster(url),
      child,
      stderr: () => stderr,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
      },
    };
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw error;
  }
}

/** The content types an editor creates, by the name their mutations use. */
export type EditableType = 'DigestArticle' | 'CampaignStory' | 'SocialPost' | 'StabilisationProject';

/** What a type needs besides the common fields, so that tests name only what they vary. */
const TYPE_DEFAULTS: Record<EditableType, Record<string, unknown>> = {
  DigestArticle: { outlet: 'Test Outlet' },
  CampaignStory: { places: ['Mosul'] },
  SocialPost: { platform: 'TWITTER', text: 'A post', hashtags: [], mentions: [], links: [] },
  StabilisationProject: { sector: 'water', phase: 'PLANNED', countryCode: 'IRQ' },
};

/** An item an editor made: its global id, the version last read, and the input last sent (updates replace it whole). */
export interface EditedItem {
  readonly id: string;
  readonly type: EditableType;
  version: number;
  input: Record<string, unknown>;
}

/** An editor working through GraphQL mutations with a key, keeping each item's version as an editor's screen would. */
export class Editor {
  constructor(
    private readonly post: Post,
    readonly headers: Record<string, string>,
  ) {}

  /** Creates a draft; `input` adds to (or overrides) the type's defaults. */
  async create(type: EditableType, slug: string, input: Record<string, unknown> = {}): Promise<EditedItem> {
    const full = { slug, title: `Title of ${slug}`, summary: `Summary of ${slug}.`, countries: ['IRQ'], ...TYPE_DEFAULTS[type], ...input };
    const data = dataOf(await this.post(`mutation ($input: ${type}Input!) { created: create${type}(input: $input) { id version status } }`, { input: full }, this.headers));
    assert.equal(data.created.status, 'DRAFT');
    return { id: data.created.id, type, version: data.created.version, input: full };
  }

  /** Replaces the item's fields with the last input and `patch`. */
  async update(item: EditedItem, patch: Record<string, unknown>): Promise<void> {
    const input = { ...item.input, ...patch };
    const data = dataOf(
      await this.post(`mutation ($id: ID!, $v: Int!, $input: ${item.type}Input!) { updated: update${item.type}(id: $id, expectedVersion: $v, input: $input) { version } }`, { id: item.id, v: item.version, input }, this.headers),
    );
    item.version = data.updated.version;
    item.input = input;
  }

  async publish(item: EditedItem, publishedAt?: string): Promise<void> {
    const data = dataOf(
      await this.post(`mutation ($id: ID!, $v: Int!, $at: DateTime) { publishContent(id: $id, expectedVersion: $v, publishedAt: $at) { status version } }`, { id: item.id, v: item.version, at: publishedAt ?? null }, this.headers),
    );
    assert.equal(data.publishContent.status, 'PUBLISHED');
    item.version = data.publishContent.version;
  }

  async unpublish(item: EditedItem): Promise<void> {
    const data = dataOf(await this.post(`mutation ($id: ID!, $v: Int!) { unpublishContent(id: $id, expectedVersion: $v) { status version } }`, { id: item.id, v: item.version }, this.headers));
    assert.equal(data.unpublishContent.status, 'DRAFT');
    item.version = data.unpublishContent.version;
  }

  async delete(item: EditedItem): Promise<void> {
    const data = dataOf(await this.post(`mutation ($id: ID!, $v: Int!) { deleteContent(id: $id, expectedVersion: $v) }`, { id: item.id, v: item.version }, this.headers));
    assert.equal(data.deleteContent, item.id);
  }

  /** A campaign's id and version, as an editor reads them before changing it. */
  async campaign(slug: string): Promise<{ id: string; version: number; slug: string; hashtag: string; title: string; summary: string }> {
    const data = dataOf(await this.post(`query ($slug: String!) { campaign(slug: $slug) { id version slug hashtag title summary } }`, { slug }, this.headers));
    assert.ok(data.campaign, `no campaign ${slug}`);
    return data.campaign;
  }

  async createCampaign(input: { slug: string; hashtag: string; title: string; summary: string }): Promise<{ id: string; version: number }> {
    const data = dataOf(await this.post(`mutation ($input: CampaignInput!) { createCampaign(input: $input) { id version } }`, { input }, this.headers));
    return data.createCampaign;
  }

  /** Replaces a campaign's fields, passing the version read. */
  async updateCampaign(slug: string, patch: Partial<{ slug: string; hashtag: string; title: string; summary: string }>): Promise<{ version: number }> {
    const { id, version, ...fields } = await this.campaign(slug);
    const data = dataOf(
      await this.post(`mutation ($id: ID!, $v: Int!, $input: CampaignInput!) { updateCampaign(id: $id, expectedVersion: $v, input: $input) { version } }`, { id, v: version, input: { ...fields, ...patch } }, this.headers),
    );
    return data.updateCampaign;
  }

  async deleteCampaign(slug: string): Promise<void> {
    const { id, version } = await this.campaign(slug);
    const data = dataOf(await this.post(`mutation ($id: ID!, $v: Int!) { deleteCampaign(id: $id, expectedVersion: $v) }`, { id, v: version }, this.headers));
    assert.equal(data.deleteCampaign, id);
  }
}
