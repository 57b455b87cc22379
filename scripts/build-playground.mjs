#!/usr/bin/env node
// Builds the playground (playground/ with Vite) into dist/playground/, unless
// the build there is newer than every file it is made from: `npm run build`
// and `npm test` call this each time, and a fresh check costs milliseconds
// where a build costs seconds. `--force` builds regardless.
//
// After the build, every asset gets a gzipped twin (name.gz) that the gateway
// serves to clients accepting gzip: Monaco alone is about 3 MB.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(repo, 'dist/playground');
/** Written last, so that its time is the time of a complete build. */
const stamp = path.join(out, '.built');
/** What the bundle is made of: its sources, the example operations, and the locked package versions. */
const inputs = [path.join(repo, 'playground'), path.join(repo, 'schema/operations'), path.join(repo, 'package-lock.json'), fileURLToPath(import.meta.url)];

const force = process.argv.includes('--force');
if (!force && isFresh()) process.exit(0);

const started = Date.now();
const { build } = await import('vite');
await build({ configFile: path.join(repo, 'playground/vite.config.mjs') });
for (const name of fs.readdirSync(path.join(out, 'assets'))) {
  if (!/\.(js|css|ttf|svg|json|wasm)$/.test(name)) continue;
  const file = path.join(out, 'assets', name);
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(fs.readFileSync(file), { level: 9 }));
}
fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
process.stdout.write(`playground built into ${path.relative(process.cwd(), out) || out} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

function isFresh() {
  let built;
  try {
    built = fs.statSync(stamp).mtimeMs;
  } catch {
    return false;
  }
  return inputs.every((input) => newest(input) <= built);
}

/** The latest modification time of a file, or of anything in a folder. */
function newest(target) {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(target).reduce((latest, name) => Math.max(latest, newest(path.join(target, name))), stat.mtimeMs);
}
