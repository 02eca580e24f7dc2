import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ChangeEventBody, type DbForgeClient } from '@dbforge/client';
import { RUNTIMES, failure, removeTempDirs, startGateway, stopAllGateways, uniqueName, waitFor, type RunningGateway } from '../support/gateway.js';

afterAll(async () => {
  await stopAllGateways();
  removeTempDirs();
});

const CUSTOMERS = `
resource: customers
fields:
  id: {type: primary_key}
  name: {type: string, required: true}
  email: {type: email, security: {pii: true}}
  pin: {type: password}
  status: {type: select, options: [lead, active], default: lead}
`;

async function allEvents(client: DbForgeClient, name: string): Promise<ChangeEventBody[]> {
  return (await client.db(name).events({ limit: 1000 })).data;
}

/** A realtime subscriber through the gateway: every event it receives, in order. */
class Subscriber {
  readonly events: ChangeEventBody[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly socket: WebSocket;
  readonly ready: Promise<void>;

  constructor(url: string, apiKey: string) {
    this.socket = new WebSocket(url, { headers: { 'x-api-key': apiKey }, perMessageDeflate: false });
    this.ready = new Promise((resolve, reject) => {
      this.socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; event?: ChangeEventBody };
        if (message.type === 'ready') resolve();
        if (message.type === 'event') this.events.push(message.event!);
      });
      this.socket.once('error', reject);
      this.socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    this.socket.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  get lastId(): number {
    return this.events.at(-1)?.id ?? 0;
  }

  close(): void {
    this.socket.terminate();
  }
}

function inOrderOnce(events: ChangeEventBody[]): boolean {
  return events.every((e, i) => i === 0 || e.id > events[i - 1]!.id);
}

describe.each(RUNTIMES)('event log and realtime (%s runtime)', (runtime) => {
  let gw: RunningGateway;
  beforeAll(async () => {
    // A small realtime buffer, so that the slow-consumer case needs little data.
    gw = await startGateway({ runtime, env: { DBFORGE_REALTIME_BUFFER_BYTES: '65536', DBFORGE_REALTIME_HEARTBEAT_MS: '2000' } });
  });

  it('records every write path once with before and after; a rolled-back batch records nothing', async () => {
    const name = uniqueName('ev');
    await gw.client.spawnDatabase(name);
    const db = gw.client.db(name);
    await db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)');
    await db.execute("INSERT INTO items (name, qty) VALUES ('bolt', 1)");
    await db.batch([{ sql: 'UPDATE items SET qty = 2 WHERE id = 1' }, { sql: "INSERT INTO items (name, qty) VALUES ('nut', 5)" }]);
    await failure(db.batch([{ sql: "INSERT INTO items (name) VALUES ('ghost')" }, { sql: 'INSERT INTO nowhere VALUES (1)' }]));
    await db.insertRows('items', [{ name: 'washer', qty: 3 }]);
    await db.execute('DELETE FROM items WHERE id = 2');
    await db.applySchema(CUSTOMERS);
    const customers = db.resource('customers');
    const ada = await customers.create({ name: 'Ada', email: 'ada@example.com', pin: 'a secret pin' });
    await customers.update(ada.id as number, { status: 'active' });

    const events = await allEvents(gw.client, name);
    expect(events.map((e) => [e.source, e.op, e.table, e.record_id])).toEqual([
      ['sql', 'create', 'items', '1'],
      ['sql', 'update', 'items', '1'],
      ['sql', 'create', 'items', '2'],
      ['rows', 'create', 'items', '3'],
      ['sql', 'delete', 'items', '2'],
      ['resources', 'create', 'customers', String(ada.id)],
      ['resources', 'update', 'customers', String(ada.id)],
    ]);
    expect(events[1]).toMatchObject({ before: { id: 1, name: 'bolt', qty: 1 }, after: { id: 1, name: 'bolt', qty: 2 }, actor: { id: 'admin' } });
    expect(events[5]!.after).toEqual({ id: ada.id, name: 'Ada', email: '[masked]', status: 'lead' });
    expect(JSON.stringify(events)).not.toContain('ada@example.com');
    expect(JSON.stringify(events)).not.toContain('a secret pin');
    expect(inOrderOnce(events)).toBe(true);

    // The log can't be changed through SQL.
    expect((await failure(db.execute('DELETE FROM _dbforge_events'))).status).toBe(403);
    expect((await failure(db.batch([{ sql: 'UPDATE _dbforge_events SET op = 0' }]))).status).toBe(403);

    // History and a record as it was.
    const history = await customers.history(ada.id as number);
    expect(history.data.map((e) => e.op)).toEqual(['create', 'update']);
    expect(await customers.get(ada.id as number, { asOf: history.data[0]!.at })).toMatchObject({ status: 'lead', email: 'ada@example.com' });
    const filtered = await db.events({ resource: 'items', record: '1' });
    expect(filtered.data.map((e) => e.op)).toEqual(['create', 'update']);
  });

  it('records the resources and rows APIs on DuckDB, and declares that raw SQL is not captured', async () => {
    const name = uniqueName('evd');
    await gw.client.spawnDatabase(name, { engine: 'duckdb' });
    const db = gw.client.db(name);
    expect((await db.capabilities()).capabilities.change_capture_sql).toBe(false);
    await db.applySchema(CUSTOMERS);
    const c = await db.resource('customers').create({ name: 'Bea' });
    await db.createTable({ table_name: 'logs', columns: [{ name: 'id', type: 'INTEGER', primary_key: true }, { name: 'msg', type: 'TEXT' }] });
    await db.insertRows('logs', [{ id: 1, msg: 'hi' }]);
    await db.execute("INSERT INTO logs VALUES (2, 'not captured')");
    const events = await allEvents(gw.client, name);
    expect(events.map((e) => [e.source, e.op, e.table, e.record_id])).toEqual([
      ['resources', 'create', 'customers', String(c.id)],
      ['rows', 'create', 'logs', '1'],
    ]);
    expect((await failure(db.execute('DELETE FROM _dbforge_events'))).status).toBe(403);
  });

  it('reverts a create, an update and a delete as new attributed events; a conflicting revert answers 409', async () => {
    const name = uniqueName('rv');
    await gw.client.spawnDatabase(name);
    const db = gw.client.db(name);
    await db.applySchema(CUSTOMERS);
    const customers = db.resource('customers');
    const c = await customers.create({ name: 'Cy', email: 'cy@example.com' });
    await customers.update(c.id as number, { name: 'Cyrus' });
    await customers.update(c.id as number, { status: 'active' });
    const [created, renamed, activated] = (await db.events({ resource: 'customers' })).data;

    const conflict = await failure(db.revertEvent(renamed!.id));
    expect(conflict.status).toBe(409);
    expect(conflict.details).toEqual({ newer_events: [activated!.id] });

    const undo = await db.revertEvent(activated!.id);
    expect(undo.event).toMatchObject({ op: 'update', reverts: activated!.id, source: 'revert', after: { status: 'lead' } });
    await db.revertEvent(renamed!.id, { force: true });
    expect(await customers.get(c.id as number)).toMatchObject({ name: 'Cy', status: 'lead', email: 'cy@example.com' });

    await customers.delete(c.id as number);
    const deleted = (await db.events({ resource: 'customers' })).data.at(-1)!;
    await db.revertEvent(deleted.id);
    expect(await customers.get(c.id as number)).toMatchObject({ name: 'Cy', email: 'cy@example.com' });
    await db.revertEvent(created!.id, { force: true });
    expect((await failure(customers.get(c.id as number))).status).toBe(404);
    // Raw SQL rows revert too.
    await db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    await db.execute("INSERT INTO t (v) VALUES ('x')");
    const insert = (await db.events({ resource: 't' })).data[0]!;
    await db.revertEvent(insert.id);
    expect(await db.select('SELECT * FROM t')).toEqual([]);

    // Reverts are audited with the caller and the outcome.
    const audit = await gw.client.audit({ action: 'event.revert', database: name });
    expect(audit.data.map((e) => e.outcome)).toContain('failure');
    expect(audit.data.map((e) => e.outcome)).toContain('success');
  });

  it(`delivers every change to ${runtime === 'process' ? 1000 : 100} WebSocket subscribers once and in order; a resumed subscriber misses nothing`, async () => {
    const name = uniqueName('rt');
    await gw.client.spawnDatabase(name);
    const db = gw.client.db(name);
    await db.execute('CREATE TABLE ticks (id INTEGER PRIMARY KEY, n INTEGER)');
    const url = db.realtimeUrl({ resource: 'ticks' });
    const count = runtime === 'process' ? 1000 : 100;
    const subscribers: Subscriber[] = [];
    for (let i = 0; i < count; i += 100) {
      const batch = Array.from({ length: Math.min(100, count - i) }, () => new Subscriber(url, gw.apiKey));
      await Promise.all(batch.map((s) => s.ready));
      subscribers.push(...batch);
    }
    const resuming = new Subscriber(url, gw.apiKey);
    await resuming.ready;
    const writes = 40;
    for (let n = 1; n <= writes; n++) {
      await db.execute('INSERT INTO ticks (n) VALUES (?)', [n]);
      if (n === 10) {
        await waitFor(async () => (resuming.events.length >= 10 ? true : undefined), 10_000, 'the first events');
        resuming.close();
      }
    }
    const expected = (await db.events({ resource: 'ticks', limit: 1000 })).data.map((e) => e.id);
    expect(expected).toHaveLength(writes);
    await waitFor(async () => (subscribers.every((s) => s.events.length >= writes) ? true : undefined), 60_000, 'every subscriber to receive every event');
    for (const s of subscribers) {
      expect(s.events.map((e) => e.id)).toEqual(expected);
    }
    // Resume from the last event seen: the rest arrives, nothing twice.
    const seen = resuming.events.map((e) => e.id);
    const resumed = new Subscriber(db.realtimeUrl({ resource: 'ticks', lastEventId: resuming.lastId }), gw.apiKey);
    await resumed.ready;
    await waitFor(async () => (seen.length + resumed.events.length >= writes ? true : undefined), 20_000, 'the missed events');
    expect([...seen, ...resumed.events.map((e) => e.id)]).toEqual(expected);
    for (const s of [...subscribers, resumed]) s.close();
  }, 180_000);

  it("records a bulk insert's rows like any other: one event each, in order, to subscribers and in the log", async () => {
    const name = uniqueName('bulk');
    await gw.client.spawnDatabase(name);
    const db = gw.client.db(name);
    await db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER)');
    // This suite's subscribers may hold 64 KiB: a reader cut off as too slow resumes where it was, as clients do.
    let subscriber = new Subscriber(db.realtimeUrl({ resource: 'items' }), gw.apiKey);
    await subscriber.ready;
    const received: ChangeEventBody[] = [];
    const rows = 1500;
    const param_sets = Array.from({ length: rows }, (_, i) => [`item ${i + 1}`, i]);
    await db.batch([{ sql: 'INSERT INTO items (name, qty) VALUES (?, ?)', param_sets }]);
    await db.execute('UPDATE items SET qty = -1 WHERE id = 700');
    await waitFor(
      async () => {
        if (received.length + subscriber.events.length >= rows + 1) return true;
        if (subscriber.closed?.code === 4008) {
          received.push(...subscriber.events);
          subscriber = new Subscriber(db.realtimeUrl({ resource: 'items', lastEventId: received.at(-1)!.id }), gw.apiKey);
          await subscriber.ready;
        }
        return undefined;
      },
      30_000,
      'every event of the bulk insert',
    );
    const events = [...received, ...subscriber.events];
    expect(inOrderOnce(events)).toBe(true);
    expect(events.slice(0, rows).map((e) => [e.op, e.record_id])).toEqual(param_sets.map((_, i) => ['create', String(i + 1)]));
    expect(events[699]!.after).toEqual({ id: 700, name: 'item 700', qty: 699 });
    expect(events[rows]).toMatchObject({ op: 'update', record_id: '700', before: { qty: 699 }, after: { qty: -1 } });
    // The log tells the same, page by page, and by record.
    const ids: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await db.events({ resource: 'items', limit: 1000, ...(cursor ? { cursor } : {}) });
      ids.push(...page.data.map((e) => e.id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(ids).toEqual(events.map((e) => e.id));
    const history = (await db.events({ resource: 'items', record: '700', limit: 10 })).data;
    expect(history.map((e) => [e.op, e.before?.qty ?? null, e.after?.qty])).toEqual([['create', null, 699], ['update', 699, -1]]);
    subscriber.close();
  });

  it('authenticates the WebSocket upgrade like every /api route', async () => {
    const name = uniqueName('rta');
    await gw.client.spawnDatabase(name);
    const url = gw.client.db(name).realtimeUrl();
    for (const [headers, status] of [
      // Without a credential the connection is the database's anonymous end user's: it sees only what they may read.
      [{}, 101],
      [{ 'x-api-key': 'wrong-key-wrong-key-wrong-key' }, 401],
      [{ authorization: 'Bearer dbu_not-a-valid-token' }, 401],
    ] as const) {
      const socket = new WebSocket(url, { headers });
      const got = await new Promise<number>((resolve) => {
        socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.once('open', () => resolve(101));
        socket.once('error', () => resolve(-1));
      });
      expect(got).toBe(status);
      socket.terminate();
    }
    const missing = new WebSocket(gw.client.db('no-such-db').realtimeUrl(), { headers: { 'x-api-key': gw.apiKey } });
    expect(await new Promise<number>((resolve) => missing.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)))).toBe(404);
    const failed = await gw.client.audit({ action: 'auth.failure' });
    expect(failed.data.some((e) => e.detail?.path === `/api/db/${name}/realtime`)).toBe(true);
  });

  it('streams Server-Sent Events through the gateway and resumes with Last-Event-ID', async () => {
    const name = uniqueName('sse');
    await gw.client.spawnDatabase(name);
    const db = gw.client.db(name);
    await db.execute('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    const first = new AbortController();
    const received: ChangeEventBody[] = [];
    const reading = (async () => {
      for await (const message of db.streamEvents({ resource: 'notes' }, first.signal)) {
        if ('error' in message) throw new Error(JSON.stringify(message.error));
        received.push(message);
        if (received.length === 3) first.abort();
      }
    })().catch((error: unknown) => {
      if ((error as Error).name !== 'AbortError') throw error;
    });
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 1; i <= 6; i++) await db.execute('INSERT INTO notes (body) VALUES (?)', [`n${i}`]);
    await reading;
    expect(received.map((e) => e.after?.body)).toEqual(['n1', 'n2', 'n3']);
    const second = new AbortController();
    const rest: ChangeEventBody[] = [];
    for await (const message of db.streamEvents({ resource: 'notes', lastEventId: received.at(-1)!.id }, second.signal)) {
      if ('error' in message) throw new Error(JSON.stringify(message.error));
      rest.push(message);
      if (rest.length === 3) break;
    }
    second.abort();
    expect(rest.map((e) => e.after?.body)).toEqual(['n4', 'n5', 'n6']);
  });

  it('cuts off a slow subscriber with a clear reason while the others keep up', async () => {
    const name = uniqueName('slow');
    await gw.client.spawnDatabase(name);
    const db = gw.client.db(name);
    await db.execute('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT)');
    const url = db.realtimeUrl({ resource: 'blobs' });
    const fast = [new Subscriber(url, gw.apiKey), new Subscriber(url, gw.apiKey)];
    const slow = new Subscriber(url, gw.apiKey);
    await Promise.all([...fast, slow].map((s) => s.ready));
    slow.socket.pause();
    const body = 'x'.repeat(50_000);
    const writes = 300;
    // One write at a time: slowness is judged between deliveries, and each is well below the limit alone.
    for (let i = 0; i < writes; i++) await db.execute('INSERT INTO blobs (body) VALUES (?)', [body]);
    await waitFor(async () => (fast.every((s) => s.events.length >= writes) ? true : undefined), 30_000, 'the fast subscribers').catch((error: unknown) => {
      throw new Error(`${(error as Error).message}: ${JSON.stringify(fast.map((s) => [s.events.length, s.closed]))}`);
    });
    for (const s of fast) expect(inOrderOnce(s.events) && s.events.length === writes).toBe(true);
    slow.socket.resume();
    await waitFor(async () => (slow.closed ? true : undefined), 60_000, 'the slow subscriber to be cut off');
    expect(slow.closed!.code).toBe(4008);
    expect(slow.closed!.reason).toMatch(/slow consumer/);
    expect(slow.events.length).toBeLessThan(writes);
    for (const s of fast) s.close();
  }, 120_000);
});
