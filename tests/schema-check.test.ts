import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkSchema, parseAcknowledgements } from '../src/server/schema-check';
import { runCli, type CliRun } from './helpers/cli';

/** The repository (this file runs from dist/tests/) and the built CLI. */
const REPO = path.resolve(__dirname, '../..');
const COMMITTED = path.join(REPO, 'schema/schema.graphql');


/** Runs `coalition-graph schema --check …` from the repository root, as `npm run schema:check` does. */
function schemaCheck(...args: string[]): Promise<Omit<CliRun, 'signal'>> {
  return runCli(['schema', '--check', ...args], { cwd: REPO }).then(({ signal: _signal, ...run }) => run);
}

/**
 * The committed SDL with one edit inside one type's definition (`type Campaign`,
 * `enum SocialPlatform`), so that the edit does not depend on what other types hold.
 */
function editType(sdl: string, header: string, edit: (body: string) => string): string {
  const start = sdl.search(new RegExp(`\\n${header}[\\s{]`));
  assert.ok(start >= 0, `the SDL defines ${header}`);
  const end = sdl.indexOf('\n}\n', start);
  const body = sdl.slice(start, end);
  const changed = edit(body);
  assert.notEqual(changed, body, `the edit changed ${header}`);
  return sdl.slice(0, start) + changed + sdl.slice(end);
}

/** Removes one field or enum value (by its line, e.g. `  OTHER`) and the description above it. */
function withoutMember(body: string, line: string): string {
  const lines = body.split('\n');
  const at = lines.indexOf(line);
  assert.ok(at > 0, `"${line}" is in the type`);
  let from = at;
  if (lines[at - 1].trim().endsWith('"""')) {
    from = at - 1;
    // A one-line description opens and closes on its line; a block one closes on a line of its own.
    if (lines[from].trim() === '"""') do from -= 1; while (lines[from].trim() !== '"""');
  }
  return [...lines.slice(0, from), ...lines.slice(at + 1)].join('\n');
}

/** The SDL with one field more on Campaign: the committed schema had it, the code no longer does. */
const withLegacyId = (sdl: string) =>
  editType(sdl, 'type Campaign implements Node', (body) => body.replace('\n{\n', '\n{\n  """Gone."""\n  legacyId: Int\n\n'));

/** The SDL with no `OTHER` in enum SocialPlatform. */
const withoutOtherPlatform = (sdl: string) => editType(sdl, 'enum SocialPlatform', (body) => withoutMember(body, '  OTHER'));

describe('npm run schema:check', () => {
  let tmp: string;
  let sdl: string;
  /** Writes a variant of the committed SDL, as if the commit before had it. */
  const committedAs = (name: string, text: string): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return file;
  };
  /** The check names files relative to the working directory, the repository root here. */
  const rel = (file: string) => path.relative(REPO, file);

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coalition-graph-schema-check-'));
    sdl = fs.readFileSync(COMMITTED, 'utf8');
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('exits 0 on the current tree: the code builds the committed schema', async () => {
    assert.deepEqual(await schemaCheck(), { code: 0, stdout: 'The schema matches schema/schema.graphql.\n', stderr: '' });
  });

  it('reports a breaking change and exits 1 when it is not acknowledged', async () => {
    // The committed schema had a field that the code no longer has: clients selecting it would break.
    const against = committedAs('removed-field.graphql', withLegacyId(sdl));
    const acknowledged = committedAs('none.acknowledged', '# nothing acknowledged\n');
    const run = await schemaCheck('--against', against, '--acknowledged', acknowledged);
    assert.deepEqual(run, {
      code: 1,
      stdout: [
        `The schema differs from ${rel(against)}.`,
        '',
        'Breaking changes (1):',
        '  FIELD_REMOVED: Campaign.legacyId was removed.',
        '',
        '1 breaking change is not acknowledged. If the break is intended, copy the',
        `line above into ${rel(acknowledged)} with a comment saying why, then run \`npm run schema\`.`,
        '',
      ].join('\n'),
      stderr: `coalition-graph: 1 breaking schema change not acknowledged in ${rel(acknowledged)}\n`,
    });
  });

  it('exits 0 when the breaking change is listed in the acknowledgements file', async () => {
    const against = committedAs('removed-field.graphql', withLegacyId(sdl));
    const acknowledged = committedAs('ok.acknowledged', '# Nobody reads legacyId since release 3.\nFIELD_REMOVED: Campaign.legacyId was removed.\n');
    const run = await schemaCheck('--against', against, '--acknowledged', acknowledged);
    assert.deepEqual(run, {
      code: 0,
      stdout: [
        `The schema differs from ${rel(against)}.`,
        '',
        'Breaking changes (1):',
        '  FIELD_REMOVED: Campaign.legacyId was removed.  (acknowledged)',
        '',
        'No unacknowledged breaking changes. Run `npm run schema` to update it.',
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  it('lists dangerous changes without failing', async () => {
    // The code has an enum value the committed schema lacked: a client switching over it may not expect it.
    const against = committedAs('enum-value.graphql', withoutOtherPlatform(sdl));
    const run = await schemaCheck('--against', against);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      [
        `The schema differs from ${rel(against)}.`,
        '',
        'Dangerous changes (1):',
        '  VALUE_ADDED_TO_ENUM: OTHER was added to enum type SocialPlatform.',
        '',
        'No unacknowledged breaking changes. Run `npm run schema` to update it.',
        '',
      ].join('\n'),
    );
  });

  it('exits 0 for a change that breaks nobody, saying the committed file needs updating', async () => {
    // The code has a field the committed schema lacked: an addition.
    const against = committedAs('added-field.graphql', editType(sdl, 'type Campaign implements Node', (body) => withoutMember(body, '  hashtag: String!')));
    const run = await schemaCheck('--against', against);
    assert.deepEqual(run, {
      code: 0,
      stdout: `The schema differs from ${rel(against)}.\n\nNo breaking or dangerous changes. Run \`npm run schema\` to update it.\n`,
      stderr: '',
    });
  });

  for (const [args, message] of [
    [['--out', 'x.graphql'], 'schema takes --out or --check, not both'],
  ] as const) {
    it(`exits 2 for schema --check ${args.join(' ')}`, async () => {
      const run = await schemaCheck(...args);
      assert.deepEqual(run, { code: 2, stdout: '', stderr: `coalition-graph: ${message} (see coalition-graph --help)\n` });
    });
  }
});

describe('checkSchema', () => {
  const sdl = fs.readFileSync(COMMITTED, 'utf8');

  it('finds nothing between a schema and itself', () => {
    assert.deepEqual(checkSchema(sdl, sdl), { identical: true, breaking: [], dangerous: [] });
  });

  it('sees a narrowed argument type and a removed enum value as breaking', () => {
    const after = editType(withoutOtherPlatform(sdl), 'type Query', (body) =>
      body.replace('    code: String!\n', '    code: ID!\n'),
    );
    const check = checkSchema(sdl, after, 'VALUE_REMOVED_FROM_ENUM: OTHER was removed from enum type SocialPlatform.\n');
    assert.deepEqual(check, {
      identical: false,
      breaking: [
        { change: 'ARG_CHANGED_KIND: Query.memberNation arg code has changed type from String! to ID!.', acknowledged: false },
        { change: 'VALUE_REMOVED_FROM_ENUM: OTHER was removed from enum type SocialPlatform.', acknowledged: true },
      ],
      dangerous: [],
    });
  });

  it('reads acknowledgements line by line, skipping comments and blank lines', () => {
    assert.deepEqual([...parseAcknowledgements('# why\n\n  FIELD_REMOVED: A.b was removed.  \n#FIELD_REMOVED: A.c was removed.\n')], [
      'FIELD_REMOVED: A.b was removed.',
    ]);
  });
});
