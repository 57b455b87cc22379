import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { ENTITIES } from '../src/server/modules';
import { Role } from '../src/shared/viewer';
import { Editor, keyHeaders, startChildGateway, type ChildGateway } from './helpers/changes';
import { POSTGRES_ENABLED, dropDatabase, freshDatabase } from './helpers/drivers';
import { waitFor } from './helpers/http';
import { Receiver } from './helpers/webhook-receiver';
import { Partner, WEBHOOK_ENV, messageId, verified } from './helpers/webhooks';

/**
 * Two gateway processes on one PostgreSQL database, both fanning out and
 * delivering: each delivery is claimed by one of them and goes out once, and
 * one killed mid-delivery loses nothing.
 */
describe('webhooks with two gateway processes [postgres]', { skip: !POSTGRES_ENABLED && 'TEST_POSTGRES_URL is not set' }, () => {
  let database: DatabaseConfig;
  let a: ChildGateway;
  let b: ChildGateway;
  let db: DataSource;
  let receiver: Receiver;
  let editors: Editor[];
  let partner: Partner;

  before(async () => {
    database = freshDatabase('postgres');
    receiver = await Receiver.start();
    a = await startChildGateway(database, WEBHOOK_ENV);
    b = await startChildGateway(database, WEBHOOK_ENV);
    db = await openDatabase(database, { entities: ENTITIES });
    const editorKey = await keyHeaders(db, Role.EDITOR);
    editors = [new Editor(a.post, editorKey), new Editor(b.post, editorKey)];
    partner = new Partner(a.post, await keyHeaders(db, Role.PARTNER));
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.destroy();
    await receiver?.close();
    if (database) await dropDatabase(database);
  });

  it('sends each delivery once, in order, whichever process wrote the change', async () => {
    const hook = await partner.create({ url: receiver.url('/once') });
    const items: { id: string }[] = [];
    for (let n = 0; n < 10; n++) {
      const editor = editors[n % 2];
      const item = await editor.create('DigestArticle', `once-${n}`);
      await editor.publish(item);
      items.push(item);
    }
    const deliveries = await partner.settled(hook.id, 10);
    assert.deepEqual(
      deliveries.map((delivery) => [delivery.status, delivery.attempts]),
      Array(10).fill(['SUCCEEDED', 1]),
    );
    const requests = receiver.at('/once');
    assert.equal(requests.length, 10, 'no delivery went out twice');
    assert.deepEqual(
      requests.map((request) => [request.headers['webhook-id'], verified(request, hook.secret).data.id]),
      deliveries.map((delivery, n) => [messageId(delivery), items[n].id]),
    );
  });

  it('loses nothing when the process attempting a delivery is killed (SIGKILL): the other delivers it once the claim lapses', async () => {
    const hook = await partner.create({ url: receiver.url('/killed', (_request, before) => (before === 0 ? 'hang' : 204)) });
    const item = await editors[0].create('DigestArticle', 'killed-mid-delivery');
    await editors[0].publish(item);
    const [first] = await receiver.waitFor('/killed', 1, 'the first attempt');

    // The receiver holds the request; the claim in the database names the process attempting it.
    const p = '$1';
    const [{ claimedBy }] = (await db.query(`SELECT claimed_by AS "claimedBy" FROM webhook_delivery WHERE webhook_id = ${p}`, [hook.id])) as { claimedBy: string }[];
    const pid = Number(claimedBy.split(':').at(-2));
    const [claimer, survivor] = a.child.pid === pid ? [a, b] : [b, a];
    assert.equal(claimer.child.pid, pid, `the claim ${claimedBy} names one of the two processes`);
    claimer.child.kill('SIGKILL');
    await waitFor('the claimer to die', () => claimer.child.signalCode === 'SIGKILL');

    const [, second] = await receiver.waitFor('/killed', 2, 'the surviving process to deliver it');
    assert.equal(second.headers['webhook-id'], first.headers['webhook-id'], 'the same message, again');
    assert.equal(verified(second, hook.secret).data.id, item.id);
    const survivorPartner = new Partner(survivor.post, partner.headers);
    const [delivery] = await survivorPartner.settled(hook.id, 1);
    assert.deepEqual([delivery.status, delivery.lastStatus], ['SUCCEEDED', 204]);
    assert.equal(receiver.at('/killed').length, 2);
  });
});

describe('webhooks after a crash [sqlite]', () => {
  it('a gateway restarted after a SIGKILL mid-delivery delivers what the killed one was sending', async () => {
    const database = freshDatabase('sqlite');
    const receiver = await Receiver.start();
    let first: ChildGateway | undefined;
    let restarted: ChildGateway | undefined;
    let db: DataSource | undefined;
    try {
      first = await startChildGateway(database, WEBHOOK_ENV);
      db = await openDatabase(database, { entities: ENTITIES });
      const editor = new Editor(first.post, await keyHeaders(db, Role.EDITOR));
      const partnerHeaders = await keyHeaders(db, Role.PARTNER);
      const hook = await new Partner(first.post, partnerHeaders).create({ url: receiver.url('/crashed', (_request, before) => (before === 0 ? 'hang' : 204)) });
      const item = await editor.create('DigestArticle', 'crashed-mid-delivery');
      await editor.publish(item);
      const [sent] = await receiver.waitFor('/crashed', 1, 'the first attempt');
      const killed = first.child;
      killed.kill('SIGKILL');
      await waitFor('the gateway to die', () => killed.signalCode === 'SIGKILL');

      restarted = await startChildGateway(database, WEBHOOK_ENV);
      const [, again] = await receiver.waitFor('/crashed', 2, 'the restarted gateway to deliver it');
      assert.equal(again.headers['webhook-id'], sent.headers['webhook-id']);
      assert.equal(verified(again, hook.secret).data.id, item.id);
      const [delivery] = await new Partner(restarted.post, partnerHeaders).settled(hook.id, 1);
      assert.deepEqual([delivery.status, delivery.lastStatus, delivery.attempts], ['SUCCEEDED', 204, 1]);
    } finally {
      await Promise.all([first?.stop(), restarted?.stop()]);
      await db?.destroy();
      await receiver.close();
      await dropDatabase(database);
    }
  });
});
