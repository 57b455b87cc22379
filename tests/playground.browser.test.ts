import 'reflect-metadata';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { IN_CI } from './helpers/drivers';
import { startTestGateway, type TestGateway } from './helpers/server';

/** Debian's `chromium`, which .ci/run installs; playwright never downloads a browser of its own here. */
const CHROMIUM = '/usr/bin/chromium';

/** Headless, and quiet: no sandbox (CI runs as root), and none of Chromium's own calls home. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Where the screenshot goes; README's docs/playground.png is a copy of it. */
const SCREENSHOT = path.resolve(__dirname, '../../test-output/playground.png');

const NO_BROWSER = !fs.existsSync(CHROMIUM) && !IN_CI && `no ${CHROMIUM}: apt-get install chromium`;

describe('the playground in a real browser', { skip: NO_BROWSER }, () => {
  let gw: TestGateway;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;
  /** Every URL the browser asked for, from the page and from its workers. */
  const requested: string[] = [];
  const consoleErrors: string[] = [];

  before(async () => {
    gw = await startTestGateway('sqlite');
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'coalition-graph-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 900 },
    });
    browser.on('request', (request) => requested.push(request.url()));
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  });

  after(async () => {
    await browser?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    await gw?.stop();
  });

  it('opens at /graphql with the examples and a headers editor ready for an API key', { timeout: 60_000 }, async () => {
    const introspection = page.waitForResponse((r) => r.url() === gw.url && /IntrospectionQuery/.test(r.request().postData() ?? ''));
    const response = await page.goto(gw.url);
    assert.equal(response?.status(), 200);
    assert.equal(response?.headers()['content-type'], 'text/html; charset=utf-8');
    assert.equal(await page.title(), 'Coalition Graph · Playground');
    assert.equal((await introspection).status(), 200);

    const examples = page.locator('.cg-examples [data-example]');
    await examples.first().waitFor();
    assert.deepEqual(await examples.evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-example'))), [
      'ArabicCampaignPage',
      'ArticlePage',
      'CampaignPage',
      'HomePage',
      'NationPage',
      'SearchResults',
      'PartnerChanges',
      'PartnerFeed',
      'FeedNextPage',
      'FeedPreviousPage',
      'NodeLookup',
    ]);
    assert.deepEqual(await page.locator('.cg-examples h3').allInnerTexts(), ['FOR FRONTEND TEAMS', 'FOR PARTNER ORGANISATIONS', 'FOR DEVELOPERS']);
    assert.equal(await editorText(page, '.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden)'), '{ "Authorization": "Bearer <your API key>"}');
  });

  it('opens an example in a new tab with one click, runs it and shows the result', { timeout: 60_000 }, async () => {
    await page.click('[data-example="NationPage"]');
    await page.locator('.graphiql-tab-active', { hasText: 'NationPage' }).waitFor();
    const query = await editorText(page, '.graphiql-query-editor');
    assert.ok(query.startsWith('# Nation page# For: frontend teams#'), query);
    assert.ok(query.includes('query NationPage($code: String! = "IRQ") {'), query);

    const sent = page.waitForRequest((r) => r.url() === gw.url && /NationPage/.test(r.postData() ?? '') && !/IntrospectionQuery/.test(r.postData() ?? ''));
    await page.click('.graphiql-execute-button');
    const request = await sent;
    // The placeholder key is not sent: it would be a wrong key.
    assert.equal(request.headers().authorization, undefined);
    assert.deepEqual(JSON.parse(request.postData() ?? '{}').variables, { code: 'IRQ' });
    const answer = await request.response();
    assert.equal(answer?.status(), 200);

    const source = fs.readFileSync(path.resolve(__dirname, '../../schema/operations/nation-page.graphql'), 'utf8');
    const expected = await gw.post(source);
    assert.equal(expected.body.data.memberNation.name, 'Iraq');
    const shown = (await answer?.json()) as { data?: unknown; errors?: unknown };
    assert.equal(shown.errors, undefined);
    assert.deepEqual(shown.data, expected.body.data);

    await page.locator('.graphiql-response .view-lines', { hasText: 'Iraq' }).waitFor();
    const result = await editorText(page, '.graphiql-response');
    for (const line of ['"code": "IRQ",', '"name": "Iraq",', '"region": "Middle East and North Africa",', '"joinedYear": 2014,']) {
      assert.ok(result.includes(line), `the result shows ${line}: ${result}`);
    }

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    assert.ok(fs.statSync(SCREENSHOT).size > 10_000);
  });

  it('shows the schema docs, and finds a type by search', { timeout: 60_000 }, async () => {
    await page.click('[aria-label="Show Documentation Explorer"]');
    await page.locator('.graphiql-doc-explorer', { hasText: 'Root Types' }).waitFor();
    await page.fill('[data-cy="doc-explorer-input"]', 'MemberNation');
    await page.getByRole('option', { name: 'MemberNation', exact: true }).click();
    await page.locator('.graphiql-doc-explorer-title', { hasText: 'MemberNation' }).waitFor();
    assert.match(await page.locator('.graphiql-doc-explorer').innerText(), /A member of the Global Coalition against Daesh: a country or an international organisation\./);
  });

  it('asked for nothing outside the gateway and logged no console error', () => {
    const gateway = new URL(gw.url).host;
    assert.ok(requested.length > 10, 'the page and its assets were requested');
    assert.deepEqual(requested.filter((url) => !/^(data|blob):/.test(url) && new URL(url).host !== gateway), []);
    assert.deepEqual(consoleErrors, []);
  });
});

/**
 * The text a Monaco editor shows in its visible lines, with runs of spaces
 * (Monaco renders them as non-breaking) as one space. Lines are joined with
 * nothing between them, as Monaco's line elements have none.
 */
async function editorText(page: Page, selector: string): Promise<string> {
  const text = await page.locator(`${selector} .view-lines`).first().evaluate((element) => element.textContent ?? '');
  return text.replace(/\s+/g, ' ').trim();
}
