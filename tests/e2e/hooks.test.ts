import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, RUNTIMES, failure, killWorker, removeTempDirs, startGateway, stopAllGateways, uniqueName, waitFor, type RunningGateway } from '../support/gateway.js';

/** A webhook receiver on loopback: records every call, checks its signature, answers as the test says. */
interface Call {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  signatureValid: boolean;
}

const SECRET = 'test-signing-secret-0123456789';
const calls: Call[] = [];
let afterFails = false;
let onUpdate: ((body: Record<string, unknown>) => Promise<void>) | undefined;

const receiver = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    void (async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const expected = `sha256=${crypto.createHmac('sha256', SECRET).update(raw).digest('hex')}`;
      const body = JSON.parse(raw) as Record<string, unknown>;
      const path = request.url ?? '/';
      calls.push({ path, headers: request.headers, body, signatureValid: request.headers['x-dbforge-signature'] === expected });
      const record = (body.record ?? {}) as Record<string, unknown>;
      const answer = (status: number, payload?: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      if (path === '/check') {
        if (record.item === 'slow') await new Promise((r) => setTimeout(r, 2500));
        if (record.item === 'boom') return answer(500, { error: 'down' });
        if ((record.quantity as number) > 10) return answer(200, { allow: false, message: 'Orders of more than 10 need a call to sales.' });
        return answer(200, { allow: true, set: { status: 'approved' } });
      }
      if (path === '/moderate') {
        if (String(record.title).toLowerCase().includes('spam')) return answer(200, { allow: false, message: 'Posts about spam are not allowed.' });
        return answer(200, { allow: true });
      }
      if (path === '/approve') {
        if (onUpdate) await onUpdate(body);
        return answer(204);
      }
      if (path === '/after') return answer(afterFails ? 500 : 200, { ok: !afterFails });
      return answer(404);
    })();
  });
});

let receiverUrl = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await stopAllGateways();
  removeTempDirs();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

const ORDERS = `
resource: orders
fields:
  id:
    type: primary_key
  item:
    type: string
    required: true
  quantity:
    type: integer
    min: 1
    default: 1
  status:
    type: select
    options: [new, approved, shipped]
    default: new
hooks:
  before_create: check_order
  before_update: approve_update
  after_create: order_created
  after_update: [order_created]
`;

const HOOK_ENV = { DBFORGE_HOOK_TIMEOUT_MS: '1000', DBFORGE_HOOK_RETRY_BASE_MS: '200', DBFORGE_HOOK_SWEEP_INTERVAL_MS: '500' };

describe.each(RUNTIMES)('resource hooks through the gateway (%s runtime)', (runtime) => {
  let gw: RunningGateway;
  let name: string;
  beforeAll(async () => {
    gw = await startGateway({ runtime, env: HOOK_ENV });
    name = uniqueName('hooks');
    await gw.client.spawnDatabase(name);
    await gw.client.db(name).applySchema(ORDERS);
  });

  it('manages webhooks: URLs checked, secrets never read back, unknown names 404', async () => {
    const generated = await gw.client.putWebhook(name, 'spare', { url: `${receiverUrl}/after` });
    expect(generated).toMatchObject({ created: true, hook: 'spare', secret: expect.any(String) });
    expect(await failure(gw.client.putWebhook(name, 'bad', { url: 'ftp://example.com/x' }))).toMatchObject({ status: 422, details: [{ field: 'body.url' }] });
    expect(await failure(gw.client.putWebhook(name, 'bad', { url: 'http://user:pw@example.com/' }))).toMatchObject({ status: 422 });
    expect(await failure(gw.client.putWebhook(name, 'bad', { url: `${receiverUrl}/x`, secret: 'short' }))).toMatchObject({ status: 422 });
    expect(await failure(gw.client.putWebhook('no-such-db', 'x', { url: `${receiverUrl}/x` }))).toMatchObject({ status: 404 });
    const list = await gw.client.listWebhooks(name);
    expect(list.webhooks).toEqual([{ database: name, hook: 'spare', url: `${receiverUrl}/after`, created_at: expect.any(String), updated_at: expect.any(String) }]);
    expect(JSON.stringify(list)).not.toContain(generated.secret!);
    await gw.client.deleteWebhook(name, 'spare');
    expect(await failure(gw.client.deleteWebhook(name, 'spare'))).toMatchObject({ status: 404 });
  });

  it('skips hooks without a webhook, with a warning in GET /schema', async () => {
    const orders = gw.client.db(name).resource('orders');
    const created = await orders.create({ item: 'pen', quantity: 50 });
    expect(created.status).toBe('new');
    const schema = await gw.client.db(name).getSchema();
    expect(schema.warnings).toEqual(
      expect.arrayContaining([
        "orders: hooks.before_create: 'check_order' has no webhook configured for this database: it is skipped",
        "orders: hooks.after_create: 'order_created' has no webhook configured for this database: it is skipped",
      ]),
    );
  });

  it('calls a before-hook with a signed body: it can set fields, veto (422), fail (502) or time out (504); refused writes leave nothing', async () => {
    await gw.client.putWebhook(name, 'check_order', { url: `${receiverUrl}/check`, secret: SECRET });
    const db = gw.client.db(name);
    const orders = db.resource('orders');
    const before = (await orders.list({ count: true })).total!;
    calls.length = 0;
    const approved = await orders.create({ item: 'book', quantity: 2 });
    expect(approved).toMatchObject({ item: 'book', quantity: 2, status: 'approved' });
    const call = calls.find((c) => c.path === '/check')!;
    expect(call.signatureValid).toBe(true);
    expect(call.headers['x-dbforge-event']).toBe('before_create');
    expect(call.body).toMatchObject({ type: 'before', hook: 'check_order', event: 'before_create', database: name, resource: 'orders', record: { item: 'book', quantity: 2, status: 'new' }, old_record: null });

    const vetoed = await failure(orders.create({ item: 'crate', quantity: 11 }));
    expect(vetoed).toMatchObject({ status: 422, code: 'HOOK_REJECTED', message: 'Orders of more than 10 need a call to sales.' });
    const failed = await failure(orders.create({ item: 'boom' }));
    expect(failed).toMatchObject({ status: 502, code: 'HOOK_FAILED' });
    const started = Date.now();
    const slow = await failure(orders.create({ item: 'slow' }));
    expect(slow).toMatchObject({ status: 504, code: 'HOOK_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(2400);
    // Validation still comes first: the hook is not called for a write that is invalid anyway.
    calls.length = 0;
    expect(await failure(orders.create({ quantity: 0 }))).toMatchObject({ status: 422, code: 'VALIDATION_ERROR' });
    expect(calls).toHaveLength(0);
    expect((await orders.list({ count: true })).total).toBe(before + 1);

    // An unreachable webhook refuses the write too.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await gw.client.putWebhook(name, 'check_order', { url: `http://127.0.0.1:${port}/gone`, secret: SECRET });
    expect(await failure(orders.create({ item: 'x' }))).toMatchObject({ status: 502, code: 'HOOK_FAILED' });
    await gw.client.deleteWebhook(name, 'check_order');
    // Bodies larger than the forwarder's buffer are kept whole to be sent twice.
    await gw.client.putWebhook(name, 'check_order', { url: `${receiverUrl}/check`, secret: SECRET });
    const big = await orders.create({ item: 'y'.repeat(100_000) });
    expect(big.status).toBe('approved');
    await gw.client.deleteWebhook(name, 'check_order');
  });

  it('answers 409 when the record changed while its before-hook was deciding', async () => {
    await gw.client.putWebhook(name, 'approve_update', { url: `${receiverUrl}/approve`, secret: SECRET });
    const orders = gw.client.db(name).resource('orders');
    const order = await orders.create({ item: 'lamp' });
    onUpdate = async (body) => {
      const record = body.record as Record<string, unknown>;
      if (record.item !== 'race') return;
      onUpdate = undefined;
      // Someone else changes the record meanwhile (its own hook allows it at once).
      await orders.update(order.id as number, { quantity: 5 });
    };
    const raced = await failure(orders.update(order.id as number, { item: 'race' }));
    expect(raced).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(await orders.get(order.id as number)).toMatchObject({ item: 'lamp', quantity: 5 });
    expect(await orders.update(order.id as number, { item: 'desk lamp' })).toMatchObject({ item: 'desk lamp' });
    await gw.client.deleteWebhook(name, 'approve_update');
  });

  it('delivers after-hooks after the commit, signed, and retries them until the webhook answers', async () => {
    await gw.client.putWebhook(name, 'order_created', { url: `${receiverUrl}/after`, secret: SECRET });
    const orders = gw.client.db(name).resource('orders');
    calls.length = 0;
    const order = await orders.create({ item: 'globe' });
    const delivery = await waitFor(async () => calls.find((c) => c.path === '/after' && (c.body.record as { id?: unknown } | null)?.id === order.id), 10_000, 'the after_create delivery');
    expect(delivery.signatureValid).toBe(true);
    expect(delivery.body).toMatchObject({ type: 'after', hook: 'order_created', event: 'after_create', resource: 'orders', database: name, record: { item: 'globe' }, old_record: null, actor: { id: 'admin' } });

    afterFails = true;
    calls.length = 0;
    await orders.update(order.id as number, { quantity: 3 });
    await waitFor(async () => (calls.filter((c) => c.path === '/after').length >= 2 ? true : undefined), 10_000, 'two failed attempts');
    afterFails = false;
    const retried = await waitFor(async () => {
      const last = calls.filter((c) => c.path === '/after').at(-1);
      return last && !afterFails && (await gw.client.db(name).getSchema()).hooks.outbox.pending === 0 ? last : undefined;
    }, 15_000, 'the retried delivery');
    expect(retried.body).toMatchObject({ event: 'after_update', record: { quantity: 3 }, old_record: { quantity: 1 } });
    expect(retried.body.attempt as number).toBeGreaterThanOrEqual(2);
  });

  it('keeps after-hook deliveries through a worker and gateway restart', async () => {
    const orders = gw.client.db(name).resource('orders');
    afterFails = true;
    calls.length = 0;
    const order = await orders.create({ item: 'survivor' });
    await waitFor(async () => (calls.some((c) => c.path === '/after') ? true : undefined), 10_000, 'a failed attempt');
    expect((await gw.client.db(name).getSchema()).hooks.outbox.pending).toBeGreaterThan(0);
    await killWorker(gw, name);
    await gw.stop();
    afterFails = false;
    calls.length = 0;
    gw = await startGateway({ reuse: gw, env: HOOK_ENV });
    const delivered = await waitFor(
      async () => calls.find((c) => c.path === '/after' && (c.body.record as { id?: unknown } | null)?.id === order.id),
      20_000,
      'the delivery after the restart',
    );
    expect(delivered.body).toMatchObject({ event: 'after_create', record: { item: 'survivor' } });
    await waitFor(async () => ((await gw.client.db(name).getSchema()).hooks.outbox.pending === 0 ? true : undefined), 10_000, 'an empty outbox');
  });
});

describe.each(RUNTIMES)('the examples\' hooks (%s runtime)', (runtime) => {
  it('blog: moderate_post vetoes spam before it is stored; notify_subscribers hears of the rest', async () => {
    const gw = await startGateway({ runtime, env: HOOK_ENV });
    const name = uniqueName('blog');
    await gw.client.spawnDatabase(name);
    const db = gw.client.db(name);
    await db.applySchema(fs.readFileSync(path.join(ROOT, 'examples', 'blog.yaml'), 'utf8'));
    await gw.client.putWebhook(name, 'moderate_post', { url: `${receiverUrl}/moderate`, secret: SECRET });
    await gw.client.putWebhook(name, 'notify_subscribers', { url: `${receiverUrl}/after`, secret: SECRET });
    const author = await db.resource('authors').create({ name: 'Ada', email: 'ada@example.com' });
    const posts = db.resource('posts');
    const spam = await failure(posts.create({ title: 'Buy cheap spam now', slug: 'spam', author: author.id }));
    expect(spam).toMatchObject({ status: 422, code: 'HOOK_REJECTED', message: 'Posts about spam are not allowed.' });
    expect((await posts.list({ count: true })).total).toBe(0);
    calls.length = 0;
    const post = await posts.create({ title: 'Hello', slug: 'hello', author: author.id });
    const delivered = await waitFor(async () => calls.find((c) => c.path === '/after' && c.body.event === 'after_create'), 10_000, 'notify_subscribers');
    expect(delivered.body).toMatchObject({ hook: 'notify_subscribers', resource: 'posts', record: { id: post.id, title: 'Hello' } });
    expect(delivered.signatureValid).toBe(true);
  });
});
