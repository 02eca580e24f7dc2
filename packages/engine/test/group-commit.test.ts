import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DbForgeError } from '@dbforge/contracts';
import { EventLog, ResourceEngine, SQLITE_FILE, type ChangeContext, type DatabaseAdapter, type RequestContext } from '../src/index.js';
import { tempDir } from './helpers.js';
import { openDatabase } from '../src/index.js';

const ctx = (id: string): ChangeContext => ({ actor: { id, roles: ['admin'] }, requestId: `req-${id}`, source: 'sql' });
const INSERT = 'INSERT INTO items (name) VALUES (?)';

const readers: Database.Database[] = [];
const adapters: DatabaseAdapter[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  for (const adapter of adapters.splice(0)) await adapter.close();
});

/** A database with a table, and a second connection on its file that sees only what was committed. */
async function setup(): Promise<{ db: DatabaseAdapter; committedCount: () => number; commits: () => number }> {
  const directory = tempDir();
  const db = await openDatabase({ engine: 'sqlite', directory, limits: { maxResultRows: 1000, maxResultBytes: 1 << 20 } });
  adapters.push(db);
  await db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)');
  const reader = new Database(path.join(directory, SQLITE_FILE), { readonly: true });
  readers.push(reader);
  let commits = 0;
  db.onCommit(() => commits++);
  return {
    db,
    committedCount: () => (reader.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n,
    commits: () => commits,
  };
}

async function settled<T>(promises: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  return Promise.all(promises.map((p) => p.then((value) => ({ status: 'fulfilled' as const, value }), (reason: unknown) => ({ status: 'rejected' as const, reason }))));
}

async function events(db: DatabaseAdapter) {
  return (await new EventLog(db).list({ limit: 1000 })).data;
}

describe('group commit on SQLite', () => {
  it('keeps the open group when a statement of another request fails to prepare: every write is answered as it is stored', async () => {
    const { db } = await setup();
    const outcomes = await Promise.all([
      db.execute("INSERT INTO items (id, name) VALUES (1, 'a')").then(() => 'ok', (e: Error) => e.message),
      db.execute('SELECT * FROM nowhere').then(() => 'ok', (e: Error) => e.message),
      db.execute("INSERT INTO items (id, name) VALUES (2, 'b')").then(() => 'ok', (e: Error) => e.message),
    ]);
    const stored = await db.execute('SELECT id FROM items ORDER BY id');
    // Each write either answered ok and stored, or refused and not stored.
    expect({ outcomes, stored: (stored as { rows: unknown[] }).rows }).toEqual({ outcomes: ['ok', expect.stringContaining('no such table'), 'ok'], stored: [{ id: 1 }, { id: 2 }] });
  });

  it('runs concurrent writes in one transaction with one commit, and answers them only once it is durable', async () => {
    const { db, committedCount, commits } = await setup();
    const before = commits();
    const seenAtReply: number[] = [];
    const writes = Array.from({ length: 50 }, (_, i) =>
      db.execute(INSERT, [`item ${i}`], { context: ctx(`u${i}`) }).then((result) => {
        seenAtReply.push(committedCount());
        return result;
      }),
    );
    // Nothing is committed (nor answered) before the group's commit, after this turn of the event loop.
    expect(committedCount()).toBe(0);
    const results = await Promise.all(writes);
    expect(results.map((r) => (r.kind === 'exec' ? r.lastInsertRowid : null))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(seenAtReply.every((n) => n === 50)).toBe(true);
    expect(commits() - before).toBe(1);
    // Each write's event is in the same commit, with its own context.
    const log = await events(db);
    expect(log.map((e) => e.actor.id)).toEqual(Array.from({ length: 50 }, (_, i) => `u${i}`));
  });

  it('rolls back only the failing write of a group (its own savepoint), events included', async () => {
    const { db, committedCount } = await setup();
    const results = await settled([
      db.execute(INSERT, ['a'], { context: ctx('a') }),
      db.execute(INSERT, [null], { context: ctx('bad') }),
      db.batch(
        [
          { sql: INSERT, params: ['b1'] },
          { sql: INSERT, params: ['a'] }, // duplicate of the first write of the group: the whole batch goes
        ],
        { context: ctx('batch') },
      ),
      db.execute(INSERT, ['c'], { context: ctx('c') }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQL_ERROR' });
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQL_ERROR', details: { statement_index: 1 } });
    expect(committedCount()).toBe(2);
    const rows = await db.execute('SELECT name FROM items ORDER BY id');
    expect(rows.kind === 'rows' && rows.rows).toEqual([{ name: 'a' }, { name: 'c' }]);
    expect((await events(db)).map((e) => e.actor.id)).toEqual(['a', 'c']);
  });

  it('rolls back a failing first write of a group (run without a savepoint) and keeps the writes after it', async () => {
    const { db, committedCount, commits } = await setup();
    const before = commits();
    const results = await settled([
      db.batch([{ sql: INSERT, param_sets: [['x1'], ['x2'], [null]] }], { context: ctx('first') }),
      db.execute(INSERT, ['y'], { context: ctx('y') }),
      db.batch([{ sql: INSERT, param_sets: [['z1'], ['z2']] }], { context: ctx('z') }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQL_ERROR', details: { statement_index: 0, param_set_index: 2 } });
    expect(committedCount()).toBe(3);
    expect(commits() - before).toBe(1);
    expect((await events(db)).map((e) => e.actor.id)).toEqual(['y', 'z', 'z']);
  });

  it('rolls back a transaction that throws after writing, and keeps the others of its group', async () => {
    const { db, committedCount } = await setup();
    const results = await settled([
      db.execute(INSERT, ['a']),
      db.transaction(async (tx) => {
        await tx.run(INSERT, ['t']);
        throw new DbForgeError('VALIDATION_ERROR', 'changed my mind');
      }),
      db.transaction(async (tx) => tx.run(INSERT, ['u'])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committedCount()).toBe(2);
    const rows = await db.execute('SELECT name FROM items ORDER BY id');
    expect(rows.kind === 'rows' && rows.rows).toEqual([{ name: 'a' }, { name: 'u' }]);
  });

  it('rolls back a transaction that throws as the first write of its group, and keeps the writes after it', async () => {
    const { db, committedCount, commits } = await setup();
    const before = commits();
    const results = await settled([
      db.transaction(async (tx) => {
        await tx.run(INSERT, ['first']);
        await tx.run(INSERT, ['second']);
        throw new DbForgeError('VALIDATION_ERROR', 'changed my mind');
      }),
      db.execute(INSERT, ['after']),
      db.transaction(async (tx) => tx.run(INSERT, ['later'])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(committedCount()).toBe(2);
    expect(commits() - before).toBe(1);
    const rows = await db.execute('SELECT name FROM items ORDER BY id');
    expect(rows.kind === 'rows' && rows.rows).toEqual([{ name: 'after' }, { name: 'later' }]);
  });

  it('fails every write of the group when its COMMIT fails, and keeps none of them', async () => {
    const { db, committedCount, commits } = await setup();
    const adapter = db as unknown as { prepare(sql: string): { run(): unknown } };
    const prepare = adapter.prepare.bind(adapter);
    const spy = vi.spyOn(adapter, 'prepare').mockImplementation((sql: string) => {
      if (sql !== 'COMMIT') return prepare(sql);
      spy.mockRestore();
      return {
        run: () => {
          throw new Database.SqliteError('disk I/O error', 'SQLITE_IOERR');
        },
      };
    });
    const before = commits();
    const results = await settled([db.execute(INSERT, ['a']), db.transaction(async (tx) => tx.run(INSERT, ['b'])), db.batch([{ sql: INSERT, params: ['c'] }])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const result of results) expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(commits()).toBe(before);
    expect(committedCount()).toBe(0);
    expect(await events(db)).toEqual([]);
    // The database goes on: the next write commits, with its event.
    await db.execute(INSERT, ['d'], { context: ctx('d') });
    expect(committedCount()).toBe(1);
    expect((await events(db)).map((e) => e.actor.id)).toEqual(['d']);
  });

  it('commits the open group before a read, so a read sees committed data only', async () => {
    const { db, committedCount } = await setup();
    const write = db.execute(INSERT, ['a']);
    const read = await db.execute('SELECT count(*) AS n FROM items');
    expect(read.kind === 'rows' && read.rows).toEqual([{ n: 1 }]);
    expect(committedCount()).toBe(1);
    await write;
  });

  it('calls commit listeners only after the commit', async () => {
    const { db, committedCount } = await setup();
    const seen: number[] = [];
    db.onCommit(() => seen.push(committedCount()));
    await Promise.all([db.execute(INSERT, ['a']), db.execute(INSERT, ['b'])]);
    expect(seen).toEqual([2]);
  });

  it('runs writes alone when the schema has deferred constraints, so one violation fails only its own request', async () => {
    const { db, committedCount } = await setup();
    await db.execute('CREATE TABLE parents (id INTEGER PRIMARY KEY)');
    await db.execute('CREATE TABLE children (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)');
    const results = await settled([db.execute(INSERT, ['a']), db.execute('INSERT INTO children (parent) VALUES (42)'), db.execute(INSERT, ['b'])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committedCount()).toBe(2);
  });

  it('runs a statement that can roll back the whole transaction alone', async () => {
    const { db, committedCount } = await setup();
    await db.execute(INSERT, ['taken']);
    const results = await settled([db.execute(INSERT, ['a']), db.execute("INSERT OR ROLLBACK INTO items (name) VALUES ('taken')"), db.execute(INSERT, ['b'])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committedCount()).toBe(3);
  });

  it('keeps a batch atomic and in order inside a group', async () => {
    const { db } = await setup();
    const [batch, single] = await Promise.all([
      db.batch([
        { sql: INSERT, params: ['x'] },
        { sql: 'SELECT count(*) AS n FROM items' },
        { sql: 'UPDATE items SET name = ? WHERE name = ?', params: ['y', 'x'] },
      ]),
      db.execute(INSERT, ['z']),
    ]);
    expect(batch.map((r) => r.kind)).toEqual(['exec', 'rows', 'exec']);
    expect(batch[1]).toMatchObject({ rows: [{ n: 1 }] });
    expect(single).toMatchObject({ kind: 'exec', lastInsertRowid: 2 });
  });

  it('groups resource writes with their events, and a conflicting one fails alone', async () => {
    const { db, commits } = await setup();
    const resources = await ResourceEngine.open(db, { database: 'shop', dataDir: tempDir() });
    await resources.apply('resource: products\nfields:\n  id:\n    type: primary_key\n  name:\n    type: string\n    required: true\n    unique: true\n');
    const request = (id: string): RequestContext => ({ actor: { id, roles: ['admin'] }, hooks: new Set(), fingerprint: id, requestId: `req-${id}` });
    const before = commits();
    const results = await settled(['bolt', 'nut', 'bolt', 'screw'].map((name, i) => resources.create('products', { name }, request(`u${i}`))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' });
    expect(commits() - before).toBe(1);
    const log = (await events(db)).filter((e) => e.resource === 'products');
    expect(log.map((e) => [e.actor.id, (e.after as { name: string }).name])).toEqual([
      ['u0', 'bolt'],
      ['u1', 'nut'],
      ['u3', 'screw'],
    ]);
  });
});
