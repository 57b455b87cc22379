import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Role } from '../src/shared/viewer';
import { Editor, applyChanges, dataOf, keyHeaders, readChanges, readFeed, sorted, type EditedItem, type Mirror } from './helpers/changes';
import { DRIVERS } from './helpers/drivers';
import { startTestGateway, type TestGateway } from './helpers/server';

/** The readers a partner might be: everything, one country, campaigns (renamed and deleted during the series), types and members (one renamed). */
const FILTERS: [string, Record<string, unknown> | null][] = [
  ['no filter', null],
  ['countries: SYR', { countries: ['SYR'] }],
  ['campaigns: mirror-campaign, mirror-doomed', { campaigns: ['mirror-campaign', 'mirror-doomed'] }],
  ['campaigns: mirror-campaign-renamed (a slug that does not exist yet)', { campaigns: ['mirror-campaign-renamed'] }],
  ['publishedBefore: 2020 (items move in and out by their publication time)', { publishedBefore: '2020-01-01T00:00:00.000Z' }],
  ['types: CAMPAIGN_STORY, SOCIAL_POST and nations: NATO, TUR', { types: ['CAMPAIGN_STORY', 'SOCIAL_POST'], nations: ['NATO', 'TUR'] }],
];

/** A partner keeping a copy of the feed (or of a filtered feed) from the change feed. */
interface Partner {
  readonly name: string;
  readonly filter: Record<string, unknown> | null;
  head: string;
  mirror: Mirror;
  initial: Mirror;
}

for (const driver of DRIVERS) {
  describe(`a partner’s mirror of the feed [${driver}]`, () => {
    let gw: TestGateway;
    let editor: Editor;
    let admin: Record<string, string>;
    let partnerKey: Record<string, string>;

    before(async () => {
      gw = await startTestGateway(driver);
      editor = new Editor(gw.post.bind(gw), await keyHeaders(gw.gateway.db, Role.EDITOR));
      admin = await keyHeaders(gw.gateway.db, Role.ADMIN);
      partnerKey = await keyHeaders(gw.gateway.db, Role.PARTNER);
    });
    after(() => gw.stop());

    /** A demo item, as an editor finds it to change it (its id, version and current fields). */
    async function demoItem(type: 'DigestArticle' | 'CampaignStory' | 'SocialPost' | 'StabilisationProject', slug: string): Promise<EditedItem> {
      const field = type[0].toLowerCase() + type.slice(1);
      const extra = {
        DigestArticle: 'outlet originalUrl',
        CampaignStory: 'places campaign { slug }',
        SocialPost: 'platform authorHandle text hashtags mentions links',
        StabilisationProject: 'sector phase implementingPartner place nation { code } budgetUsd startedOn completedOn',
      }[type];
      const data = dataOf(await gw.post(`{ item: ${field}(slug: "${slug}") { id version slug title summary url countries nations { code } tags publishedAt ${extra} } }`, {}, editor.headers));
      const { id, version, nations, publishedAt: _publishedAt, campaign, nation, ...rest } = data.item;
      assert.ok(id, `no ${type} ${slug}`);
      const input: Record<string, unknown> = { ...rest, nations: (nations as { code: string }[]).map((n) => n.code) };
      if (type === 'CampaignStory') input.campaign = campaign?.slug ?? null;
      if (type === 'StabilisationProject') input.countryCode = nation?.code ?? rest.countries[0];
      return { id, type, version, input };
    }

    it('applying feedChanges from the head taken before reading the feed leaves each mirror equal to a fresh read of the feed', async (t) => {
      const post = gw.post.bind(gw);

      // What exists before the partners start: two campaigns with published items, items in Syria and Iraq.
      await editor.createCampaign({ slug: 'mirror-campaign', hashtag: 'MirrorCampaign', title: 'Mirror', summary: 'Mirror.' });
      await editor.createCampaign({ slug: 'mirror-doomed', hashtag: 'MirrorDoomed', title: 'Doomed', summary: 'Doomed.' });
      const story = await editor.create('CampaignStory', 'mirror-story', { campaign: 'mirror-campaign', countries: ['SYR'] });
      const post1 = await editor.create('SocialPost', 'mirror-post', { text: 'Back to school #MirrorCampaign', hashtags: ['MirrorCampaign'], countries: ['IRQ'] });
      const doomedStory = await editor.create('CampaignStory', 'doomed-story', { campaign: 'mirror-doomed', countries: ['TUR'] });
      const doomedPost = await editor.create('SocialPost', 'doomed-post', { text: 'Gone soon #MirrorDoomed', hashtags: ['MirrorDoomed'], countries: ['SYR'], nations: ['NATO'] });
      const inIraq = await editor.create('DigestArticle', 'mirror-in-iraq', { countries: ['IRQ'] });
      const inSyria = await editor.create('DigestArticle', 'mirror-in-syria', { countries: ['SYR'], tags: ['camps'] });
      const doomedArticle = await editor.create('StabilisationProject', 'mirror-doomed-project', { countries: ['SYR'], countryCode: 'SYR' });
      for (const item of [story, post1, doomedStory, doomedPost, inIraq, inSyria, doomedArticle]) await editor.publish(item);

      // Each partner takes the head, then reads the feed page by page.
      const partners: Partner[] = [];
      for (const [name, filter] of FILTERS) {
        const head = dataOf(await gw.post('{ feedChangesHead }', {}, partnerKey)).feedChangesHead;
        partners.push({ name, filter, head, mirror: new Map(), initial: new Map() });
      }

      // Writes that land between the head and the partners' reads of the feed.
      const fresh = await editor.create('DigestArticle', 'mirror-fresh', { countries: ['SYR'] });
      await editor.publish(fresh);
      const alHol = await demoItem('DigestArticle', 'syria-camp-is-at-risk-of-falling-under-daesh');
      await editor.update(alHol, { title: 'Al-Hol at risk, retitled' });
      await editor.update(inIraq, { countries: ['SYR', 'IRQ'] });
      await editor.update(inSyria, { countries: ['IRQ'] });

      for (const partner of partners) {
        partner.mirror = await readFeed(post, partner.filter, partnerKey);
        partner.initial = new Map(partner.mirror);
      }

      // The rest of the series, after the partners read the feed.
      const unhcr = await demoItem('SocialPost', 'unhcr-pledges-continued-help-for-syrian-refugees-and-displaced-people');
      await editor.unpublish(unhcr);
      const brief = await editor.create('SocialPost', 'mirror-brief', { countries: ['SYR'], hashtags: ['MirrorCampaign'], text: '#MirrorCampaign briefly' });
      await editor.publish(brief);
      await editor.update(brief, { title: 'Briefly visible' });
      await editor.unpublish(brief);
      await editor.delete(doomedArticle);
      const raqqa = await demoItem('StabilisationProject', 'schooling-in-raqqa-tabqa-and-tal-abyad');
      await editor.delete(raqqa);
      const story2 = await editor.create('CampaignStory', 'mirror-story-2', { campaign: 'mirror-campaign', countries: ['IRQ'] });
      await editor.publish(story2);
      await editor.updateCampaign('mirror-campaign', { slug: 'mirror-campaign-renamed', title: 'Mirror, renamed' });
      await editor.deleteCampaign('mirror-doomed');
      await editor.unpublish(inSyria);
      await editor.update(inSyria, { countries: ['SYR'] });
      await editor.publish(inSyria, '2019-10-12T08:00:00.000Z');
      await editor.publish(fresh, '2019-10-12T09:00:00.000Z');
      await editor.update(fresh, { tags: ['north-east-syria', 'detention'] });
      await editor.publish(alHol, '2021-01-01T00:00:00.000Z');
      const stoltenberg = await demoItem('SocialPost', 'stoltenberg-urges-turkey-to-show-restraint-in-northern-syria');
      await editor.update(stoltenberg, { countries: ['SYR'], nations: [] });
      const member = dataOf(await gw.post(`{ memberNation(code: "TUR") { code name kind region joinedYear } }`)).memberNation;
      dataOf(await gw.post(`mutation ($input: MemberNationInput!) { updateMemberNation(code: "TUR", input: $input) { code } }`, { input: { ...member, code: 'TRK' } }, admin));
      const never = await editor.create('DigestArticle', 'mirror-never', { countries: ['SYR'] });
      await editor.update(never, { title: 'Never published' });
      await editor.delete(never);

      for (const partner of partners) {
        const { changes, pages } = await readChanges(post, partner.head, { filter: partner.filter, first: 3, headers: partnerKey });
        applyChanges(partner.mirror, changes);
        const now = await readFeed(post, partner.filter, partnerKey);
        t.diagnostic(`${partner.name}: ${partner.initial.size} items read, ${changes.length} changes in ${pages} pages, ${now.size} items now`);
        assert.notDeepEqual(sorted(now), sorted(partner.initial), `${partner.name}: the series changed what this partner sees`);
        assert.deepEqual(sorted(partner.mirror), sorted(now), `${partner.name}: the mirror equals the feed`);
      }
    });
  });
}
