import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeContentId } from '../src/shared/content/content-id';
import { encodeGlobalId } from '../src/shared/node/global-id';
import { Role } from '../src/shared/viewer';
import { createApiKey } from '../src/store/keys';
import { insertItems } from './helpers/content';
import { DRIVERS } from './helpers/drivers';
import { requestStatements } from './helpers/request-statements';
import { startTestGateway, type TestGateway } from './helpers/server';

const CREATE = `mutation ($input: DigestArticleInput!) { createDigestArticle(input: $input) { id version language locale direction translations } }`;

const SET = `mutation ($id: ID!, $locale: Locale!, $input: TranslationInput!, $expectedVersion: Int) {
  setTranslation(id: $id, locale: $locale, input: $input, expectedVersion: $expectedVersion) { locale title summary body place version }
}`;

const DELETE = `mutation ($id: ID!, $locale: Locale!, $expectedVersion: Int!) { deleteTranslation(id: $id, locale: $locale, expectedVersion: $expectedVersion) }`;

const READ = `query ($id: ID!, $locale: Locale) {
  node(id: $id, locale: $locale) { ... on Content { title summary body locale direction translations ar: translation(locale: AR) { title version } fr: translation(locale: FR) { title version } } }
}`;

function digest(slug: string, title: string, summary: string, language?: string | null): Record<string, unknown> {
  return { slug, title, summary, countries: ['IRQ'], outlet: 'Test Outlet', ...(language !== undefined ? { language } : {}) };
}

/** The errors of a response as [path, code, the rest of the extensions]. */
function errorsOf(body: { errors?: { path?: (string | number)[]; extensions?: Record<string, unknown> }[] }) {
  return body.errors?.map(({ path, extensions }) => {
    const { code, ...rest } = extensions ?? {};
    return [path, code, rest];
  });
}

for (const driver of DRIVERS) {
  describe(`translations [${driver}]`, () => {
    let gw: TestGateway;
    const as: Record<'partner' | 'editor' | 'admin', Record<string, string>> = { partner: {}, editor: {}, admin: {} };
    let id: string;

    async function create(input: Record<string, unknown>) {
      const { body } = await gw.post(CREATE, { input }, as.editor);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      return body.data.createDigestArticle;
    }

    async function publish(itemId: string, version: number) {
      const { body } = await gw.post(`mutation ($id: ID!, $v: Int!) { publishContent(id: $id, expectedVersion: $v) { status } }`, { id: itemId, v: version }, as.editor);
      assert.deepEqual(body, { data: { publishContent: { status: 'PUBLISHED' } } });
    }

    async function head(): Promise<string> {
      return (await gw.post(`{ feedChangesHead }`)).body.data.feedChangesHead;
    }

    async function changesSince(cursor: string) {
      const { body } = await gw.post(`query ($after: String) { feedChanges(after: $after, first: 100) { edges { node { kind id item { title } } } } }`, { after: cursor });
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      return body.data.feedChanges.edges.map((edge: { node: unknown }) => edge.node);
    }

    before(async () => {
      gw = await startTestGateway(driver);
      for (const role of ['partner', 'editor', 'admin'] as const) {
        const { secret } = await createApiKey(gw.gateway.db, { name: `${role} desk`, role: role.toUpperCase() as Role });
        as[role] = { authorization: `Bearer ${secret}` };
      }
      const item = await create(digest('schools-reopen', 'Schools reopen in Mosul', 'Children return to class in West Mosul after years of conflict.', 'en'));
      id = item.id;
      await publish(id, item.version);
    });
    after(() => gw.stop());

    it('takes an item’s language from the editor, or detects it from its title and summary', async () => {
      const cases: [Record<string, unknown>, { language: string; locale: string; direction: string; translations: string[] }][] = [
        [digest('belgian', 'Les écoles rouvrent', 'Une rentrée attendue.', 'fr-BE'), { language: 'fr-BE', locale: 'FR', direction: 'LTR', translations: ['FR'] }],
        [digest('script-tag', 'Schulen öffnen', 'Kinder kehren zurück.', 'zh-Hant-TW'), { language: 'zh-Hant-TW', locale: 'EN', direction: 'LTR', translations: [] }],
        [
          digest('arabic-detected', 'إعادة فتح المدارس في الموصل', 'عاد الأطفال إلى الفصول الدراسية في غرب الموصل بعد سنوات من النزاع.'),
          { language: 'ar', locale: 'AR', direction: 'RTL', translations: ['AR'] },
        ],
        [
          digest('french-detected', 'Réouverture des écoles à Mossoul', 'Les enfants retournent en classe à Mossoul-Ouest après des années de conflit.'),
          { language: 'fr', locale: 'FR', direction: 'LTR', translations: ['FR'] },
        ],
        [
          digest('german-detected', 'Schulen in Mossul öffnen wieder', 'Kinder kehren nach Jahren des Konflikts in West-Mossul in die Schule zurück.', null),
          { language: 'de', locale: 'EN', direction: 'LTR', translations: [] },
        ],
        // Too short to tell: taken as English.
        [digest('too-short', 'Hi', 'Ok'), { language: 'en', locale: 'EN', direction: 'LTR', translations: ['EN'] }],
      ];
      for (const [input, expected] of cases) {
        const { language, locale, direction, translations } = await create(input);
        assert.deepEqual({ language, locale, direction, translations }, expected, String(input.slug));
      }
      const [row] = await gw.gateway.db.query(`SELECT language FROM content WHERE slug = 'too-short'`);
      assert.equal(row.language, null, 'an undetected language is stored as unknown, not guessed');
    });

    it('detects the language again when an update leaves it out', async () => {
      const item = await create(digest('changes-language', 'Schools reopen in Raqqa', 'Children return to class in Raqqa after years of conflict.'));
      assert.equal(item.language, 'en');
      const { body } = await gw.post(
        `mutation ($id: ID!, $input: DigestArticleInput!) { updateDigestArticle(id: $id, expectedVersion: 1, input: $input) { language locale } }`,
        { id: item.id, input: digest('changes-language', 'Les écoles rouvrent à Raqqa', 'Les enfants retournent en classe à Raqqa après des années de conflit.') },
        as.editor,
      );
      assert.deepEqual(body, { data: { updateDigestArticle: { language: 'fr', locale: 'FR' } } });
    });

    it('refuses a language that is no BCP 47 tag with BAD_USER_INPUT naming the field, and stores nothing', async () => {
      for (const [n, language] of ['english', 'e', 'en_US', 'fr-', '12', 'en-', 'ar IQ', ''].entries()) {
        const { body } = await gw.post(CREATE, { input: digest(`bad-language-${n}`, 'Title', 'Summary.', language) }, as.editor);
        assert.equal(body.data, null, language);
        assert.deepEqual(
          body.errors?.map((e) => [e.path, e.extensions?.code, (e.extensions?.fields as { field: string }[]).map((f) => f.field)]),
          [[['createDigestArticle'], 'BAD_USER_INPUT', ['language']]],
          language,
        );
      }
      const [{ n }] = await gw.gateway.db.query(`SELECT count(*) AS n FROM content WHERE slug LIKE 'bad-language-%'`);
      assert.equal(Number(n), 0);
    });

    it('asks for an editor’s key to write or delete a translation', async () => {
      const input = { title: 'عنوان', summary: 'ملخص' };
      const translations = async () => Number((await gw.gateway.db.query(`SELECT count(*) AS n FROM content_translation`))[0].n);
      const before = await translations(); // the demo content's own
      for (const [headers, code] of [[{}, 'UNAUTHENTICATED'], [as.partner, 'FORBIDDEN']] as const) {
        const set = await gw.post(SET, { id, locale: 'AR', input }, headers);
        assert.deepEqual({ data: set.body.data, errors: errorsOf(set.body)?.map(([path, c]) => [path, c]) }, { data: null, errors: [[['setTranslation'], code]] });
        const deleted = await gw.post(DELETE, { id, locale: 'AR', expectedVersion: 1 }, headers);
        assert.deepEqual(errorsOf(deleted.body)?.map(([path, c]) => [path, c]), [[['deleteTranslation'], code]]);
      }
      assert.equal(await translations(), before);
    });

    it('writes a translation at version 1, serves the item in it, and records one audit entry and one change', async () => {
      const from = await head();
      const { body } = await gw.post(
        SET,
        { id, locale: 'AR', input: { title: 'إعادة فتح المدارس في الموصل', summary: 'يعود الأطفال إلى الفصول في غرب الموصل.', body: '<p>عاد الأطفال.</p>' } },
        as.editor,
      );
      assert.deepEqual(body, {
        data: { setTranslation: { locale: 'AR', title: 'إعادة فتح المدارس في الموصل', summary: 'يعود الأطفال إلى الفصول في غرب الموصل.', body: '<p>عاد الأطفال.</p>', place: null, version: 1 } },
      });
      const read = await gw.post(READ, { id, locale: 'AR' });
      assert.deepEqual(read.body, {
        data: {
          node: {
            title: 'إعادة فتح المدارس في الموصل',
            summary: 'يعود الأطفال إلى الفصول في غرب الموصل.',
            body: '<p>عاد الأطفال.</p>',
            locale: 'AR',
            direction: 'RTL',
            translations: ['AR', 'EN'],
            ar: { title: 'إعادة فتح المدارس في الموصل', version: 1 },
            fr: null,
          },
        },
      });
      assert.deepEqual(await changesSince(from), [{ kind: 'UPDATED', id, item: { title: 'Schools reopen in Mosul' } }]);
      const found = await gw.post(`{ search(query: "الموصل", locale: AR) { edges { node { ... on Content { id title } } } } }`);
      assert.deepEqual(found.body.data.search.edges.map((edge: { node: unknown }) => edge.node).filter((node: { id?: string }) => node.id === id), [{ id, title: 'إعادة فتح المدارس في الموصل' }]);
    });

    it('changes a translation only from the version read: a stale or missing version is CONFLICT, and writes nothing', async () => {
      const from = await head();
      const input = { title: 'المدارس تفتح في الموصل', summary: 'ملخص جديد.', body: null };
      const updated = await gw.post(SET, { id, locale: 'AR', input, expectedVersion: 1 }, as.editor);
      assert.deepEqual(updated.body, { data: { setTranslation: { locale: 'AR', title: 'المدارس تفتح في الموصل', summary: 'ملخص جديد.', body: null, place: null, version: 2 } } });

      const stale = await gw.post(SET, { id, locale: 'AR', input: { title: 'ضائع', summary: 'ضائع.' }, expectedVersion: 1 }, as.editor);
      assert.deepEqual({ data: stale.body.data, errors: errorsOf(stale.body) }, { data: null, errors: [[['setTranslation'], 'CONFLICT', { expectedVersion: 1, currentVersion: 2 }]] });
      const blind = await gw.post(SET, { id, locale: 'AR', input: { title: 'ضائع', summary: 'ضائع.' } }, as.editor);
      assert.deepEqual(errorsOf(blind.body), [[['setTranslation'], 'CONFLICT', { expectedVersion: null, currentVersion: 2 }]]);
      const unborn = await gw.post(SET, { id, locale: 'FR', input: { title: 'Perdu', summary: 'Perdu.' }, expectedVersion: 4 }, as.editor);
      assert.deepEqual(errorsOf(unborn.body), [[['setTranslation'], 'CONFLICT', { expectedVersion: 4 }]]);

      const read = await gw.post(READ, { id, locale: 'AR' });
      // A translation without a body shows the original's.
      assert.deepEqual(read.body.data.node, {
        title: 'المدارس تفتح في الموصل',
        summary: 'ملخص جديد.',
        body: null,
        locale: 'AR',
        direction: 'RTL',
        translations: ['AR', 'EN'],
        ar: { title: 'المدارس تفتح في الموصل', version: 2 },
        fr: null,
      });
      assert.deepEqual(await changesSince(from), [{ kind: 'UPDATED', id, item: { title: 'Schools reopen in Mosul' } }], 'one change: the refused writes left none');
    });

    it('lets one of two editors racing from the same version win, and the other gets CONFLICT', async () => {
      const input = (title: string) => ({ title, summary: 'Course.' });
      const [a, b] = await Promise.all([
        gw.post(SET, { id, locale: 'AR', input: input('أ'), expectedVersion: 2 }, as.editor),
        gw.post(SET, { id, locale: 'AR', input: input('ب'), expectedVersion: 2 }, as.editor),
      ]);
      const outcomes = [a.body, b.body].map((body) => (body.errors ? body.errors[0].extensions?.code : body.data.setTranslation.version));
      assert.deepEqual([...outcomes].sort(), [3, 'CONFLICT']);
      const winner = (a.body.errors ? b : a).body.data.setTranslation.title;
      const read = await gw.post(READ, { id, locale: 'AR' });
      assert.deepEqual(read.body.data.node.ar, { title: winner, version: 3 });
    });

    it('refuses a translation into the item’s own language, of an id that names no item, and one without a title', async () => {
      const input = { title: 'Schools', summary: 'Again.' };
      const own = await gw.post(SET, { id, locale: 'EN', input }, as.editor);
      assert.deepEqual(
        { message: own.body.errors?.[0].message, errors: errorsOf(own.body) },
        { message: 'The item is written in EN already: edit the item itself', errors: [[['setTranslation'], 'BAD_USER_INPUT', { argument: 'locale' }]] },
      );
      const missing = encodeGlobalId('DigestArticle', '00000000-0000-4000-8000-000000000000');
      assert.deepEqual(errorsOf((await gw.post(SET, { id: missing, locale: 'FR', input }, as.editor)).body)?.map(([path, code]) => [path, code]), [[['setTranslation'], 'NOT_FOUND']]);
      assert.deepEqual(errorsOf((await gw.post(DELETE, { id: missing, locale: 'FR', expectedVersion: 1 }, as.editor)).body)?.map(([path, code]) => [path, code]), [[['deleteTranslation'], 'NOT_FOUND']]);
      assert.deepEqual(errorsOf((await gw.post(SET, { id: 'not-an-id', locale: 'FR', input }, as.editor)).body)?.map(([path, code]) => [path, code]), [[['setTranslation'], 'BAD_USER_INPUT']]);
      assert.deepEqual(
        errorsOf((await gw.post(SET, { id: encodeGlobalId('MemberNation', 'IRQ'), locale: 'FR', input }, as.editor)).body),
        [[['setTranslation'], 'BAD_USER_INPUT', { argument: 'id' }]],
      );
      const untitled = await gw.post(SET, { id, locale: 'FR', input: { title: '', summary: 'Sans titre.' } }, as.editor);
      assert.deepEqual(errorsOf(untitled.body)?.map(([path, code]) => [path, code]), [[['setTranslation'], 'BAD_USER_INPUT']]);
      const read = await gw.post(READ, { id, locale: 'FR' });
      assert.deepEqual(read.body.data.node.translations, ['AR', 'EN']);
    });

    it('writes no change for a translation of a draft, which readers cannot see', async () => {
      const draft = await create(digest('draft-item', 'A draft about Mosul', 'Not yet published for readers to see.', 'en'));
      const from = await head();
      const { body } = await gw.post(SET, { id: draft.id, locale: 'FR', input: { title: 'Un brouillon', summary: 'Pas encore.' } }, as.editor);
      assert.equal(body.data.setTranslation.version, 1);
      assert.deepEqual(await changesSince(from), []);
      assert.deepEqual((await gw.post(READ, { id: draft.id, locale: 'FR' })).body, { data: { node: null } });
      assert.equal((await gw.post(READ, { id: draft.id, locale: 'FR' }, as.editor)).body.data.node.title, 'Un brouillon');
    });

    it('deletes a translation from the version read, after which the item falls back to its original', async () => {
      const from = await head();
      const stale = await gw.post(DELETE, { id, locale: 'AR', expectedVersion: 2 }, as.editor);
      assert.deepEqual({ data: stale.body.data, errors: errorsOf(stale.body) }, { data: null, errors: [[['deleteTranslation'], 'CONFLICT', { expectedVersion: 2, currentVersion: 3 }]] });
      const none = await gw.post(DELETE, { id, locale: 'FR', expectedVersion: 1 }, as.editor);
      assert.deepEqual(errorsOf(none.body)?.map(([path, code]) => [path, code]), [[['deleteTranslation'], 'NOT_FOUND']]);
      assert.deepEqual((await gw.post(DELETE, { id, locale: 'AR', expectedVersion: 3 }, as.editor)).body, { data: { deleteTranslation: true } });
      const read = await gw.post(READ, { id, locale: 'AR' });
      assert.deepEqual(read.body, {
        data: {
          node: {
            title: 'Schools reopen in Mosul',
            summary: 'Children return to class in West Mosul after years of conflict.',
            body: null,
            locale: 'EN',
            direction: 'LTR',
            translations: ['EN'],
            ar: null,
            fr: null,
          },
        },
      });
      assert.deepEqual(await changesSince(from), [{ kind: 'UPDATED', id, item: { title: 'Schools reopen in Mosul' } }]);
    });

    it('records each translation write in the audit log with its version before and after', async () => {
      const { body } = await gw.post(
        `query ($subject: ID) { auditLog(first: 50, subjectId: $subject) { edges { node { action subjectType subjectId actorName before after } } } }`,
        { subject: id },
        as.admin,
      );
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      const entries = body.data.auditLog.edges.map((edge: { node: Record<string, any> }) => edge.node);
      assert.deepEqual(
        entries.map((entry: Record<string, any>) => [entry.action, entry.subjectType, entry.subjectId, entry.actorName, entry.before?.version ?? null, entry.after?.version ?? null]),
        [
          ['DELETE', 'Translation:AR', id, 'editor desk', 3, null],
          ['UPDATE', 'Translation:AR', id, 'editor desk', 2, 3],
          ['UPDATE', 'Translation:AR', id, 'editor desk', 1, 2],
          ['CREATE', 'Translation:AR', id, 'editor desk', null, 1],
          ['PUBLISH', 'DigestArticle', id, 'editor desk', 1, 2],
          ['CREATE', 'DigestArticle', id, 'editor desk', null, 1],
        ],
      );
      assert.equal(entries[2].before.title, 'إعادة فتح المدارس في الموصل');
      assert.equal(entries[2].after.title, 'المدارس تفتح في الموصل');
    });

    it('deletes a translation only at the version read: an edit that commits while the delete waits is kept, and the delete is CONFLICT', async () => {
      const item = await create(digest('raced-delete', 'Water returns to Raqqa', 'Pumping stations repaired.', 'en'));
      const written = await gw.post(SET, { id: item.id, locale: 'FR', input: { title: 'L’eau revient à Raqqa', summary: 'Stations réparées.' } }, as.editor);
      assert.equal(written.body.data.setTranslation.version, 1);
      const contentId = decodeContentId(item.id);
      const edit = `UPDATE content_translation SET title = 'Raqqa retrouve l’eau', version = version + 1 WHERE content_id = '${contentId}' AND locale = 'FR'`;
      let deleted;
      if (driver === 'postgres') {
        // Another editor's change, not committed yet when the delete reads the translation: the delete must wait for it, then see it.
        const other = gw.gateway.db.createQueryRunner();
        await other.connect();
        try {
          await other.startTransaction();
          await other.query(edit);
          const [{ pid }] = await other.query(`SELECT pg_backend_pid() AS pid`);
          const deleting = gw.post(DELETE, { id: item.id, locale: 'FR', expectedVersion: 1 }, as.editor);
          for (let waited = 0; ; waited += 20) {
            const [{ n }] = await gw.gateway.db.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, [pid]);
            if (Number(n) > 0) break;
            assert.ok(waited < 20_000, 'the delete never waited for the other editor’s change');
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          await other.commitTransaction();
          deleted = await deleting;
        } finally {
          await other.release();
        }
      } else {
        // Writes take turns on SQLite: the other editor's change commits whole before the delete begins.
        await gw.gateway.db.query(edit);
        deleted = await gw.post(DELETE, { id: item.id, locale: 'FR', expectedVersion: 1 }, as.editor);
      }
      assert.deepEqual(
        { data: deleted.body.data, errors: deleted.body.errors?.map((error) => [error.path, error.extensions?.code, error.extensions?.expectedVersion]) },
        { data: null, errors: [[['deleteTranslation'], 'CONFLICT', 1]] },
      );
      const read = await gw.post(READ, { id: item.id, locale: 'FR' }, as.editor);
      assert.deepEqual(read.body.data.node.fr, { title: 'Raqqa retrouve l’eau', version: 2 });
      const audit = await gw.post(`query ($subject: ID) { auditLog(first: 10, subjectId: $subject) { edges { node { action subjectType } } } }`, { subject: item.id }, as.admin);
      assert.deepEqual(
        audit.body.data.auditLog.edges.map((edge: { node: { action: string; subjectType: string } }) => `${edge.node.action} ${edge.node.subjectType}`).sort(),
        ['CREATE DigestArticle', 'CREATE Translation:FR'],
        'no DELETE was recorded',
      );
    });

    it('reads the translations of a page of 5 or of 40 items in the same statements', async () => {
      await insertItems(gw.gateway.db, 40, { prefix: 'translated', newest: new Date('2030-01-01T00:00:00Z') });
      const { body } = await gw.post(`{ feed(first: 40) { edges { node { id } } } }`);
      for (const [n, edge] of body.data.feed.edges.entries()) {
        if (n % 2) await gw.post(SET, { id: edge.node.id, locale: 'FR', input: { title: `Élément ${n}`, summary: 'Traduit.' } }, as.editor);
      }
      const page = `query ($first: Int!) { feed(first: $first) { edges { node { fr: translation(locale: FR) { title version } ar: translation(locale: AR) { title } } } } }`;
      const counts: number[] = [];
      for (const first of [5, 40]) {
        gw.sql.reset();
        const read = await gw.post(page, { first });
        assert.equal(read.body.errors, undefined, JSON.stringify(read.body.errors));
        assert.deepEqual(read.body.data.feed.edges.slice(0, 3), [{ node: { fr: null, ar: null } }, { node: { fr: { title: 'Élément 1', version: 1 }, ar: null } }, { node: { fr: null, ar: null } }]);
        counts.push(requestStatements(gw.sql).length);
      }
      assert.deepEqual(counts, [2, 2], 'the page, then the translations of all its items');
    });
  });
}
