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
 * Options: `--help` (the {@link USAGE} below).
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { busiestNations, campaignsWithStories, createBenchKey, dataset, ensureDataset, feedDepthFor, openBench, parseSize, positiveOption, publishedCount } from './datasets';
import { drive, post } from './measure';
import { CURSOR_PAGE, cursorPage, makeQueries, QUERY_NAMES, type BenchQuery, type Fixtures, type QueryName } from './queries';
import { startGatewayProcess } from './servers';
import { exitWithFailure, exitWithUsageIfAsked, OptionError } from './usage';

const USAGE = `Usage: npm run bench:ab -- --a DIR --b DIR [options]   (or node dist/bench/ab.js …)

Two builds of the gateway (each a checkout with dist/ built), both running at once,
compared on one query by CPU per request, the load alternating between them.

  --a DIR             the first build (e.g. a git worktree of the commit before)
  --b DIR             the second build (default: this checkout)
  --a-node-flags=…    Node's flags for A's process (default none), e.g. --a-node-flags=--max-semi-space-size=32
  --b-node-flags=…    the same for B (to compare runtime settings, give both sides the same build: --a .);
                      several flags are separated by spaces, so a flag's value cannot hold one
  --query Q4          which of Q1–Q6 (default Q1; for Q5, build A is paged 10,000 items deep first)
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
  if (!builds.A) throw new OptionError('--a DIR is required (a checkout whose dist/ is built)');
  const mains = { A: path.resolve(builds.A, 'dist/src/main.js'), B: path.resolve(builds.B, 'dist/src/main.js') };
  const flags = { A: nodeFlags('a-node-flags', values['a-node-flags']), B: nodeFlags('b-node-flags', values['b-node-flags']) };
  for (const main of Object.values(mains)) if (!fs.existsSync(main)) throw new OptionError(`${main} does not exist: build that checkout first (npx tsc -p .)`);
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
  const headers = { authorization: `Bearer ${key}` };
  const gateways = {
    A: await startGatewayProcess(set.url, path.join(out, 'logs', 'ab-gateway-a.log'), { main: mains.A, nodeFlags: flags.A }),
    B: await startGatewayProcess(set.url, path.join(out, 'logs', 'ab-gateway-b.log'), { main: mains.B, nodeFlags: flags.B }),
  };
  try {
    if (name === 'Q5') {
      // As npm run bench pages it (a dataset too small for a page after its cursor has none to compare on).
      if (fixtures.feedDepth === 0) throw new OptionError(`the ${set.label} dataset is too small for Q5`);
      let after: string | null = null;
      for (let seen = 0; seen < fixtures.feedDepth; seen += 100) {
        const page = cursorPage('gateway', (await post(gateways.A.url, headers, CURSOR_PAGE.gateway, { after })).data);
        if (page.ids.length !== 100) throw new Error(`the feed ended before ${fixtures.feedDepth} items`);
        after = page.endCursor;
      }
      fixtures = { ...fixtures, feedCursor: { gateway: after!, postgraphile: '', floor: after! } };
      log(`Q5: build A paged ${fixtures.feedDepth.toLocaleString('en-GB')} items deep`);
    }
    const query: BenchQuery = makeQueries(fixtures).find((q) => q.name === name)!;
    // Both builds must answer the query alike, or the comparison is of two different pieces of work.
    for (let n = 0; n < query.variants; n++) {
      const [a, b] = await Promise.all([gateways.A, gateways.B].map(async ({ url }) => JSON.stringify((await post(url, headers, query.text.gateway, query.variables('gateway', n))).data)));
      if (a !== b) throw new Error(`${name} (variant ${n}): the two builds answer differently, A ${a.slice(0, 200)}…, B ${b.slice(0, 200)}…`);
    }
    const body = (n: number) => JSON.stringify({ query: query.text.gateway, variables: query.variables('gateway', n) });
    const load = (side: 'A' | 'B', s: number) =>
      drive({ url: gateways[side].url, headers, body, varies: query.variants > 1, connections: 8, seconds: s, pid: gateways[side].pid });
    const described = (side: 'A' | 'B') => [builds[side], ...flags[side]].join(' ');
    log(`${name} on ${set.label}: A ${described('A')}, B ${described('B')}; warming both up`);
    await load('A', 3);
    await load('B', 3);
    const totals = { A: { cpu: 0, requests: 0 }, B: { cpu: 0, requests: 0 } };
    const ratios: number[] = [];
    for (let i = 0; i < slices; i++) {
      const perRequest = { A: 0, B: 0 };
      for (const side of i % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
        const result = await load(side, seconds);
        if (result.failures > 0) throw new Error(`${side} answered ${result.failures} requests with an error or a failure; see ${path.join(out, 'logs')}`);
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
  } finally {
    await gateways.A.stop();
    await gateways.B.stop();
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
