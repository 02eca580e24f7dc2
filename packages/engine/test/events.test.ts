import { describe, expect, it } from 'vitest';
import { EventLog, ResourceEngine, type ChangeContext, type DatabaseAdapter, type RequestContext } from '../src/index.js';
import { failure, open, tempDir } from './helpers.js';

const ctx = (source: ChangeContext['source'] = 'sql', id = 'ada'): ChangeContext => ({ actor: { id, roles: ['admin'] }, requestId: 'req-1', source });
const request = (id = 'ada'): RequestContext => ({ actor: { id, roles: ['admin'] }, hooks: new Set(), fingerprint: 'f', requestId: 'req-2' });

async function all(db: DatabaseAdapter) {
  return (await new EventLog(db).list({ limit: 1000 })).data;
}


describe('change capture on SQLite (raw SQL through triggers)', () => {
  it('records one event per changed row with before and after, the context, and nothing for a no-op update', async () => {
    const db = await open('sqlite');
    await db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL, data BLOB, big INTEGER)', undefined, { context: ctx() });
    await db.execute("INSERT INTO items (name, price, data, big) VALUES ('bolt', 1.5, x'0102', 9007199254740993)", undefined, { context: ctx() });
    await db.execute("UPDATE items SET price = 2 WHERE id = 1", undefined, { context: ctx('sql', 'bob') });
    await db.execute("UPDATE items SET price = 2 WHERE id = 1", undefined, { context: ctx() });
    await db.execute('DELETE FROM items WHERE id = 1', undefined, { context: ctx() });
    const events = await all(db);
    expect(events.map((e) => [e.op, e.table, e.record_id, e.actor.id])).toEqual([
      ['create', 'items', '1', 'ada'],
      ['update', 'items', '1', 'bob'],
      ['delete', 'items', '1', 'ada'],
    ]);
    expect(events[0]).toMatchObject({ request_id: 'req-1', source: 'sql', resource: null, before: null, reverts: null });
    expect(events[0]!.after).toEqual({ id: 1, name: 'bolt', price: 1.5, data: 'AQI=', big: '9007199254740993' });
    expect(events[1]!.before).toMatchObject({ price: 1.5 });
    expect(events[1]!.after).toMatchObject({ price: 2 });
    expect(events[2]!.after).toBeNull();
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
  });

  it('leaves no event for a rolled-back batch, and captures a table a batch creates before its first insert', async () => {
    const db = await open('sqlite');
    await db.execute('CREATE TABLE t (a INTEGER)');
    const error = await failure(db.batch([{ sql: 'INSERT INTO t VALUES (1)' }, { sql: 'INSERT INTO nowhere VALUES (1)' }], { context: ctx() }));
    expect(error.code).toBe('SQL_ERROR');
    expect(await all(db)).toEqual([]);
    await db.batch([{ sql: 'CREATE TABLE u (a INTEGER PRIMARY KEY, b TEXT)' }, { sql: "INSERT INTO u (b) VALUES ('x')" }], { context: ctx() });
    expect((await all(db)).map((e) => [e.op, e.table, e.after])).toEqual([['create', 'u', { a: 1, b: 'x' }]]);
  });

  it('records the rows of CREATE TABLE ... AS SELECT, but not a rename', async () => {
    const db = await open('sqlite');
    await db.batch([{ sql: 'CREATE TABLE a (x INTEGER)' }, { sql: 'INSERT INTO a VALUES (1), (2)' }]);
    await db.execute('CREATE TABLE b AS SELECT x FROM a');
    await db.execute('ALTER TABLE b RENAME TO c');
    await db.execute('INSERT INTO c VALUES (3)');
    const events = await all(db);
    expect(events.map((e) => `${e.op}:${e.table}:${JSON.stringify(e.after)}`)).toEqual([
      'create:a:{"x":1}',
      'create:a:{"x":2}',
      'create:b:{"x":1}',
      'create:b:{"x":2}',
      'create:c:{"x":3}',
    ]);
  });

  it('captures the rows API with its source, and keys tables without a primary key by rowid', async () => {
    const db = await open('sqlite');
    await db.createTable('plain', [{ name: 'v', type: 'TEXT' }]);
    await db.insertRows('plain', [{ v: 'a' }, { v: 'b' }], { context: ctx('rows') });
    expect((await all(db)).map((e) => [e.source, e.record_id, e.after])).toEqual([
      ['rows', '1', { v: 'a' }],
      ['rows', '2', { v: 'b' }],
    ]);
  });

  it.each(['sqlite', 'duckdb'] as const)('refuses raw SQL that writes to a _dbforge_ object, and still reads it (%s)', async (engine) => {
    const db = await open(engine);
    for (const sql of [
      'DELETE FROM _dbforge_events',
      'UPDATE "_DBFORGE_EVENTS" SET op = 1',
      'DROP TABLE _dbforge_events',
      "INSERT INTO _dbforge_events_meta (key, value) VALUES ('a', 'b')",
      // SQLite takes a string literal where a table name belongs.
      "DELETE FROM '_dbforge_events'",
      // (SQLite's bracket quoting; in DuckDB this is a syntax error.)
      ...(engine === 'sqlite' ? ['UPDATE [_dbforge_events] SET op = 1'] : []),
      // Characters whose lower case is longer ('İ' is two characters in lower case) must not shift the check off the name.
      'DELETE /* İİİ */ FROM _dbforge_events',
      "WITH x AS (SELECT 'İİ' AS v) DELETE FROM _dbforge_events",
    ]) {
      expect((await failure(db.execute(sql))).code, sql).toBe('FORBIDDEN');
      expect((await failure(db.batch([{ sql }]))).code, sql).toBe('FORBIDDEN');
    }
    const read = await db.execute('SELECT count(*) AS n FROM _dbforge_events');
    expect(read.kind).toBe('rows');
    if (engine === 'sqlite') {
      await db.execute('CREATE TABLE notes (a TEXT)');
      expect((await failure(db.execute('CREATE TRIGGER x AFTER INSERT ON notes BEGIN DELETE FROM _dbforge_events; END'))).code).toBe('FORBIDDEN');
      // A string that merely mentions the prefix is fine.
      await db.execute("INSERT INTO notes VALUES ('about _dbforge_ things')");
    }
  });

  it('turns capture off with the event log setting', async () => {
    const db = await open('sqlite', { eventLog: false });
    await db.execute('CREATE TABLE t (a INTEGER)');
    await db.execute('INSERT INTO t VALUES (1)');
    expect(await all(db)).toEqual([]);
  });

  it('tells listeners after each commit', async () => {
    const db = await open('sqlite');
    let commits = 0;
    db.onCommit(() => commits++);
    await db.execute('CREATE TABLE t (a INTEGER)');
    await db.execute('SELECT 1');
    await db.execute('INSERT INTO t VALUES (1)');
    expect(commits).toBe(2);
  });
});

const CUSTOMERS = `
resource: customers
fields:
  id: {type: primary_key}
  name: {type: string, required: true}
  email: {type: email, security: {pii: true}}
  pin: {type: password}
  note: {type: text, security: {encrypt: true}}
  vip: {type: boolean, default: false}
  tags: {type: json}
`;

describe.each(['sqlite', 'duckdb'] as const)('resource events (%s)', (engine) => {
  async function setup() {
    const db = await open(engine);
    const resources = await ResourceEngine.open(db, { database: 'crm', dataDir: tempDir() });
    await resources.apply(CUSTOMERS);
    return { db, resources };
  }

  it('records each write once, with personal data sealed and passwords only as hashes', async () => {
    const { db, resources } = await setup();
    const ada = (await resources.create('customers', { name: 'Ada', email: 'ada@example.com', pin: 'secret-pin', note: 'likes tea', tags: ['a'] }, request())).value;
    await resources.update('customers', String(ada.id), { vip: true }, true, request('bob'));
    await resources.remove('customers', String(ada.id), request());
    const raw = await all(db);
    expect(raw.map((e) => [e.op, e.resource, e.source, e.actor.id, e.request_id])).toEqual([
      ['create', 'customers', 'resources', 'ada', 'req-2'],
      ['update', 'customers', 'resources', 'bob', 'req-2'],
      ['delete', 'customers', 'resources', 'ada', 'req-2'],
    ]);
    const text = JSON.stringify(raw);
    expect(text).not.toContain('ada@example.com');
    expect(text).not.toContain('secret-pin');
    expect(text).not.toContain('likes tea');
    expect(String(raw[0]!.after!.pin)).toMatch(/^\$argon2id\$/);
    const shown = raw.map((e) => resources.presentEvent(e));
    expect(shown[0]!.after).toEqual({ id: ada.id, name: 'Ada', email: '[masked]', note: 'likes tea', vip: false, tags: ['a'] });
    expect(shown[1]!.before).toMatchObject({ vip: false });
    expect(shown[1]!.after).toMatchObject({ vip: true });
  });

  it('leaves no event when the write fails', async () => {
    const { db, resources } = await setup();
    await failure(resources.create('customers', { name: 'x', email: 'not an email' }, request()));
    await failure(resources.createMany('customers', [{ name: 'ok' }, { name: 7 }], request(), { where: (i) => `body[${i}]` }));
    expect(await all(db)).toEqual([]);
  });

  it('reverts a create, an update and a delete, and answers 409 naming newer events', async () => {
    const { db, resources } = await setup();
    const log = new EventLog(db);
    const created = (await resources.create('customers', { name: 'Ada', email: 'ada@example.com', pin: 'pin-1' }, request())).value;
    const id = String(created.id);
    await resources.update('customers', id, { name: 'Ada L.', email: 'ada@lovelace.org' }, true, request());
    await resources.update('customers', id, { vip: true }, true, request());
    const [createEvent, rename, vip] = (await log.list({ limit: 10 })).data;

    const conflict = await failure(resources.revert(rename!.id, {}, request('carol')));
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.details).toEqual({ newer_events: [vip!.id] });

    // Undo the newest update, then the rename: the email comes back although it was never stored in clear.
    const undoVip = await resources.revert(vip!.id, {}, request('carol'));
    expect(undoVip.event).toMatchObject({ op: 'update', reverts: vip!.id, source: 'revert', actor: { id: 'carol' } });
    await resources.revert(rename!.id, { force: true }, request('carol'));
    expect(await resources.getRecord('customers', id)).toMatchObject({ name: 'Ada', email: 'ada@example.com', vip: false });

    await resources.remove('customers', id, request());
    const deleted = (await log.list({ limit: 100 })).data.at(-1)!;
    expect(deleted.op).toBe('delete');
    await resources.revert(deleted.id, {}, request());
    expect(await resources.getRecord('customers', id)).toMatchObject({ id: created.id, name: 'Ada', email: 'ada@example.com' });
    // The password hash came back too.
    const pin = await db.read('SELECT pin FROM customers');
    expect(String(pin[0]!.pin)).toMatch(/^\$argon2id\$/);

    await resources.revert(createEvent!.id, { force: true }, request());
    expect((await failure(resources.getRecord('customers', id))).code).toBe('NOT_FOUND');
  });

  it('answers a record as it was at a time', async () => {
    const { resources } = await setup();
    const created = (await resources.create('customers', { name: 'v1' }, request())).value;
    await new Promise((r) => setTimeout(r, 5));
    const t1 = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await resources.update('customers', String(created.id), { name: 'v2', email: 'x@example.com' }, true, request());
    expect(await resources.recordAt('customers', String(created.id), t1)).toMatchObject({ name: 'v1', email: null });
    expect(await resources.recordAt('customers', String(created.id), new Date().toISOString())).toMatchObject({ name: 'v2', email: 'x@example.com' });
    expect((await failure(resources.recordAt('customers', String(created.id), '2000-01-01T00:00:00.000Z'))).code).toBe('NOT_FOUND');
  });
});

describe('raw SQL on a resource table (SQLite)', () => {
  it('is captured with the resource field security', async () => {
    const db = await open('sqlite');
    const resources = await ResourceEngine.open(db, { database: 'crm', dataDir: tempDir() });
    await resources.apply(CUSTOMERS);
    await db.execute("INSERT INTO customers (name, email, vip, tags) VALUES ('Sql', 'sql@example.com', 1, '[1,2]')", undefined, { context: ctx() });
    const [event] = await all(db);
    expect(JSON.stringify(event)).not.toContain('sql@example.com');
    expect(resources.presentEvent(event!).after).toEqual({ id: 1, name: 'Sql', email: '[masked]', note: null, vip: true, tags: [1, 2] });
    // Reverting it through the engine removes the row, recorded once.
    await resources.revert(event!.id, {}, request());
    const events = await all(db);
    expect(events.map((e) => [e.op, e.source])).toEqual([
      ['create', 'sql'],
      ['delete', 'revert'],
    ]);
  });
});

describe.each(['sqlite', 'duckdb'] as const)('retention and compaction (%s)', (engine) => {
  it('keeps the newest events and one baseline per live record, so history after the cutoff stays exact', async () => {
    const db = await open(engine);
    const resources = await ResourceEngine.open(db, { database: 'crm', dataDir: tempDir() });
    await resources.apply(CUSTOMERS);
    const a = (await resources.create('customers', { name: 'a1' }, request())).value;
    const b = (await resources.create('customers', { name: 'b1' }, request())).value;
    await resources.update('customers', String(a.id), { name: 'a2' }, true, request());
    await resources.remove('customers', String(b.id), request());
    await new Promise((r) => setTimeout(r, 5));
    await resources.update('customers', String(a.id), { name: 'a3' }, true, request());
    const log = new EventLog(db);
    const result = await log.applyRetention({ maxEvents: 1 });
    const left = (await log.list({ limit: 10 })).data;
    // a's newest expired event (a2) is kept as its baseline; b's history ended with a delete and is gone.
    expect(left.map((e) => [e.op, e.after?.name ?? null])).toEqual([
      ['update', 'a2'],
      ['update', 'a3'],
    ]);
    expect(result.removed).toBe(3);
    expect(await resources.recordAt('customers', String(a.id), left[1]!.at)).toMatchObject({ name: 'a3' });
    expect((await failure(resources.recordAt('customers', String(a.id), '2001-01-01T00:00:00.000Z'))).code).toBe('NOT_FOUND');
    // Ids are never reused.
    await resources.update('customers', String(a.id), { name: 'a4' }, true, request());
    const newest = (await log.list({ limit: 10 })).data.at(-1)!;
    expect(newest.id).toBeGreaterThan(left[1]!.id);
  });

  it('expires events by age', async () => {
    const db = await open(engine);
    await db.createTable('t', [{ name: 'a', type: 'INTEGER', primary_key: true }]);
    await db.insertRows('t', [{ a: 1 }, { a: 2 }]);
    const log = new EventLog(db);
    expect((await log.applyRetention({ maxAgeDays: 1 })).removed).toBe(0);
    const future = new Date(Date.now() + 3 * 86_400_000);
    await log.applyRetention({ maxAgeDays: 1 }, future);
    // Each row keeps its baseline (its create): its state is still known.
    expect((await log.list({ limit: 10 })).data).toHaveLength(2);
  });
});
