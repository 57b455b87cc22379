#!/usr/bin/env node
/**
 * `npm run bench:ab`: two builds of the gateway, compared on one query by the
 * CPU each spends per request.
 *
 * On a shared 2-core machine one 10-second run of one query moves by ±10%
 * between runs of the same build (other tenants, the CPU's clock), which
 * hides the few per cent a change to the read path is worth. Here both
 * gateways run at once on the same dataset, and the load alternates between
 * them in short slices (A B, B A, A B …), so both see the same machine; each
 * slice's CPU per request (from /proc) gives a ratio B / A, and the report
 * gives the median ratio and the totals. Run it once with the same build on
 * both sides to see the harness's own spread (about ±4% here).
 *
 * Side A may also be PostGraphile or the floor (`--a postgraphile`): the
 * gateway's CPU per request against theirs, measured the same way. The read
 * benchmark's targets are in requests a second, which a shared machine moves
 * by a quarter between runs; this ratio moves far less.
 *
 * Options: `--help` (the {@link USAGE} below).
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { busiestNations, campaignsWithStories, createBenchKey, dataset, ensureDataset, feedDepthFor, openBench, parseSize, positiveOption, publishedCount } from './datasets';
import { drive, post } from './measure';
import assert from 'node:assert/strict';
import { makeQueries, pageFeed, QUERY_NAMES, type BenchQuery, type Fixtures, type QueryName, type System } from './queries';
import { startFloorProcess, startGatewayProcess, startPostGraphileProcess, type ServerProcess } from './servers';
import { exitWithFailure, exitWithUsageIfAsked, OptionError } from './usage';

const USAGE = `Usage: npm run bench:ab -- --a DIR --b DIR [options]   (or node dist/bench/ab.js …)

Two builds of the gateway (each a checkout with dist/ built), both running at once,
compared on one query by CPU per request, the load alternating between them.

  --a DIR             the first build (e.g. a git worktree of the commit before), or
                      postgraphile or floor: that system against the gateway build B (the same items
                      checked first; B / A is then the gateway's CPU per request over theirs)
  --b DIR             the second build (default: this checkout)
  --a-node-flags=…    Node's flags for A's process (default none), e.g. --a-node-flags=--max-semi-space-size=32
                      (a gateway build's only)
  --b-node-flags=…    the same for B (to compare runtime settings, give both sides the same build: --a .);
                      several flags are separated by spaces, so a flag's value cannot hold one
  --query Q4          which of Q1–Q6 (default Q1; for Q5, the gateway and PostGraphile are each paged
                      10,000 items deep first, as npm run bench pages them)
  --slices N          alternations (default 10)
  --duration S        seconds per slice (default 3)
  --size 200k         dataset (loaded if absent, as npm run bench does)
  --pg URL            PostgreSQL server (default postgres://postgres@127.0.0.1:5432)
  --help              this text
`;

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  exitWithUsageIfAsked(argv, USAGE);
  const { values } = parseArgs({
    args: argv,
    options: { a: { type: 'string' }, b: { type: 'string' }, query: { type: 'string' }, slices: { type: 'string' }, duration: { type: 'string' }, size: { type: 'string' }, pg: { type: 'string' }, 'a-node-flags': { type: 'string' }, 'b-node-flags': { type: 'string' } },
  });
  const builds = { A: values.a, B: values.b ?? path.resolve(__dirname, '../..') };
  if (!builds.A) throw new OptionError('--a DIR is required (a checkout whose dist/ is built, or postgraphile or floor)');
  // Side A: a gateway build, or another system; side B is always a gateway build.
  const systemA: System = builds.A === 'postgraphile' || builds.A === 'floor' ? builds.A : 'gateway';
  const mains = { A: systemA === 'gateway' ? path.resolve(builds.A, 'dist/src/main.js') : null, B: path.resolve(builds.B, 'dist/src/main.js') };
  const flags = { A: nodeFlags('a-node-flags', values['a-node-flags']), B: nodeFlags('b-node-flags', values['b-node-flags']) };
  if (systemA !== 'gateway' && flags.A.length) throw new OptionError(`--a-node-flags applies to a gateway build, not to ${systemA}`);
  for (const main of Object.values(mains)) if (main && !fs.existsSync(main)) throw new OptionError(`${main} does not exist: build that checkout first (npx tsc -p .)`);
  const name = (values.query ?? 'Q1').toUpperCase();
  if (!QUERY_NAMES.includes(name as QueryName)) throw new OptionError(`unknown query "${name}" (Q1–Q6)`);
  const slices = positiveOption('slices', values.slices, 10);
  const seconds = positiveOption('duration', values.duration, 3);
  const set = dataset(values.pg ?? 'postgres://postgres@127.0.0.1:5432', parseSize(values.size ?? '200k'));
  const out = path.resolve('bench-output');
  await ensureDataset(values.pg ?? 'postgres://postgres@127.0.0.1:5432', set, path.join(out, 'loads.json'), log);

  const db = await openBench(set);
  let key: string;
  let fixtures: Fixtures;
  try {
    key = await createBenchKey(db);
    const feedDepth = feedDepthFor(await publishedCount(db));
    fixtures = { nationCodes: await busiestNations(db), campaignSlugs: await campaignsWithStories(db), feedDepth, feedCursor: { gateway: '', postgraphile: '', floor: '' } };
  } finally {
    await db.destroy();
  }
  const systems = { A: systemA, B: 'gateway' as const };
  const headersOf = (side: 'A' | 'B'): Record<string, string> => (systems[side] === 'gateway' ? { authorization: `Bearer ${key}` } : {});
  const logFile = (side: 'A' | 'B') => path.join(out, 'logs', `ab-${systems[side]}-${side.toLowerCase()}.log`);
  const servers: Record<'A' | 'B', ServerProcess> = {
    A:
      systemA === 'postgraphile'
        ? await startPostGraphileProcess(set.url, logFile('A'))
        : systemA === 'floor'
          ? await startFloorProcess(set.url, logFile('A'))
          : await startGatewayProcess(set.url, logFile('A'), { main: mains.A!, nodeFlags: flags.A }),
    B: await startGatewayProcess(set.url, logFile('B'), { main: mains.B, nodeFlags: flags.B }),
  };
  try {
    if (name === 'Q5') {
      // As npm run bench pages it (a dataset too small for a page after its cursor has none to compare on).
      if (fixtures.feedDepth === 0) throw new OptionError(`the ${set.label} dataset is too small for Q5`);
      const gateway = (await pageFeed('gateway', servers.B.url, headersOf('B'), fixtures.feedDepth)).endCursor;
      const postgraphile = systemA === 'postgraphile' ? (await pageFeed('postgraphile', servers.A.url, {}, fixtures.feedDepth)).endCursor : '';
      fixtures = { ...fixtures, feedCursor: { gateway, postgraphile, floor: gateway } };
      log(`Q5: paged ${fixtures.feedDepth.toLocaleString('en-GB')} items deep`);
    }
    const query: BenchQuery = makeQueries(fixtures).find((q) => q.name === name)!;
    const variables = (side: 'A' | 'B', n: number) => query.variables(systems[side], n);
    // Both sides must answer the query alike, or the comparison is of two different pieces of work:
    // two builds with the same JSON, another system with the same items (as npm run bench checks them).
    for (let n = 0; n < query.variants; n++) {
      const [a, b] = await Promise.all((['A', 'B'] as const).map(async (side) => (await post(servers[side].url, headersOf(side), query.text[systems[side]], variables(side, n))).data));
      if (systemA === 'gateway') {
        if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${name} (variant ${n}): the two builds answer differently, A ${JSON.stringify(a).slice(0, 200)}…, B ${JSON.stringify(b).slice(0, 200)}…`);
      } else {
        const [normalA, normalB] = [query.normalise(systemA, a), query.normalise('gateway', b)];
        assert.ok(query.hasShape(normalB), `${name} (variant ${n}) lacks the expected items on the gateway`);
        assert.deepEqual(normalA, normalB, `${name} (variant ${n}): ${systemA} and the gateway answer with different items`);
      }
    }
    const body = (side: 'A' | 'B') => (n: number) => JSON.stringify({ query: query.text[systems[side]], variables: variables(side, n) });
    const load = (side: 'A' | 'B', s: number) =>
      drive({ url: servers[side].url, headers: headersOf(side), body: body(side), varies: query.variants > 1, connections: 8, seconds: s, pid: servers[side].pid });
    const described = (side: 'A' | 'B') => (systems[side] === 'gateway' ? [builds[side], ...flags[side]].join(' ') : systems[side]);
    log(`${name} on ${set.label}: A ${described('A')}, B ${described('B')}; warming both up`);
    await load('A', 3);
    await load('B', 3);
    const totals = { A: { cpu: 0, requests: 0 }, B: { cpu: 0, requests: 0 } };
    const ratios: number[] = [];
    for (let i = 0; i < slices; i++) {
      const perRequest = { A: 0, B: 0 };
      for (const side of i % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
        const result = await load(side, seconds);
        if (result.failures > 0) throw new Error(`${side} answered ${result.failures} requests with an error or a failure; see ${logFile(side)}`);
        totals[side].cpu += result.cpuMsPerRequest * result.requests;
        totals[side].requests += result.requests;
        perRequest[side] = result.cpuMsPerRequest;
      }
      ratios.push(perRequest.B / perRequest.A);
      log(`  slice ${i + 1}/${slices}: A ${(perRequest.A * 1000).toFixed(0)} µs, B ${(perRequest.B * 1000).toFixed(0)} µs per request`);
    }
    ratios.sort((a, b) => a - b);
    const us = (side: 'A' | 'B') => (totals[side].cpu / totals[side].requests) * 1000;
    log(
      `${name}: A ${us('A').toFixed(0)} µs per request, B ${us('B').toFixed(0)} µs; B / A ${(us('B') / us('A')).toFixed(3)} over all, ` +
        `${ratios[Math.floor(ratios.length / 2)].toFixed(3)} the median slice (from ${ratios[0].toFixed(2)} to ${ratios.at(-1)!.toFixed(2)})`,
    );
    if (systemA !== 'gateway') log(`  ${systemA} spends ${(us('A') / us('B')).toFixed(2)} times the gateway's CPU per request (the processes' own; the database's is not counted)`);
  } finally {
    await servers.A.stop();
    await servers.B.stop();
  }
}

/** Node flags given as one option ("--a --b=1"): each must be a flag, so that a stray word cannot be taken for the script. */
function nodeFlags(option: string, text: string | undefined): string[] {
  const flags = (text ?? '').split(/\s+/).filter(Boolean);
  const stray = flags.find((flag) => !flag.startsWith('--'));
  if (stray !== undefined) throw new OptionError(`--${option}: "${stray}" is not a Node flag (each starts with --, e.g. "--max-semi-space-size=32")`);
  return flags;
}

main().catch((error: unknown) => exitWithFailure('bench:ab', error));
