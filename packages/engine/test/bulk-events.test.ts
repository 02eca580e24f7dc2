import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BULK_STEP_EVENTS, EventLog, ResourceEngine, SQLITE_FILE, type ChangeEvent } from '../src/index.js';
import { plainInsertTable } from '../src/events/bulk-inserts.js';
import { failure, open, tempDir } from './helpers.js';
import { openDatabase } from '../src/index.js';
import { DEFAULT_TABLE, N, bothWays, comparable, ctx, inserter, items, listAll, pendingOf } from './bulk-events-support.js';

/**
 * A bulk insert (a `param_sets` statement of at least BULK_MIN_SETS sets) records its rows' events as one pending
 * entry that is written out later. Each test runs the same writes both ways (see bulk-events-support.ts) and compares.
 */

async function both(script: Parameters<typeof bothWays>[0], setup = DEFAULT_TABLE) {
  const { bulk, rows } = await bothWays(script, setup, listAll);
  return { bulk: { ...bulk, events: bulk.log }, rows: { ...rows, events: rows.log } };
}

describe('bulk inserts and the event log (SQLite)', () => {
  it('records one create event per row with its own id and image, in insertion order, written out when the log is read', async () => {
    let waiting = -1;
    const { bulk, rows } = await both(async (_db, insert, isBulk, directory) => {
      await insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(1, N));
      // Keys that are not consecutive, and keys SQLite picks.
      await insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(5000, N).reverse());
      await insert('INSERT INTO items (name) VALUES (?)', Array.from({ length: N }, (_, i) => [`auto ${i}`]), ctx('bob'));
      if (isBulk) waiting = pendingOf(directory);
    });
    expect(waiting).toBe(3);
    expect(bulk.events).toHaveLength(3 * N);
    expect(comparable(bulk.events)).toEqual(comparable(rows.events));
    expect(bulk.events.map((e) => e.id)).toEqual(Array.from({ length: 3 * N }, (_, i) => i + 1));
    expect(bulk.events[0]).toMatchObject({ op: 'create', table: 'items', record_id: '1', before: null, after: { id: 1, name: 'item 1', price: 0.25 }, actor: { id: 'ada' }, request_id: 'req-ada', source: 'sql' });
    expect(bulk.events[2 * N]).toMatchObject({ actor: { id: 'bob' }, after: { name: 'auto 0' } });
    expect(pendingOf(bulk.directory)).toBe(0);
    // New events continue after the reserved ids.
    await bulk.db.execute("INSERT INTO items (name) VALUES ('late')", undefined, { context: ctx() });
    const late = (await new EventLog(bulk.db).list({ afterId: 3 * N, limit: 10 })).data;
    expect(late.map((e) => [e.id, e.record_id])).toEqual([[3 * N + 1, String(Number(bulk.events[3 * N - 1]!.record_id) + 1)]]);
  });

  it('tells each row as it was inserted when it was updated, deleted or given another key before the log was read', async () => {
    const { bulk, rows } = await both(async (db, insert) => {
      await insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(1, N));
      await db.execute('UPDATE items SET price = price * 2 WHERE id % 7 = 0', undefined, { context: ctx('bob') });
      await db.execute('DELETE FROM items WHERE id % 11 = 0', undefined, { context: ctx('bob') });
      await db.execute('UPDATE items SET id = id + 100000 WHERE id <= 20', undefined, { context: ctx('bob') });
      // A key deleted, then inserted again by a second bulk insert.
      await db.execute(`DELETE FROM items WHERE id BETWEEN 30 AND ${30 + N - 1}`, undefined, { context: ctx('bob') });
      await insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(30, N).map(([id, , price]) => [id!, `again ${id}`, price!]));
      await db.execute("UPDATE items SET name = 'renamed' WHERE id = 35", undefined, { context: ctx('carol') });
    });
    expect(comparable(bulk.events)).toEqual(comparable(rows.events));
    const first = bulk.events.find((e) => e.record_id === '14' && e.op === 'create');
    expect(first?.after).toEqual({ id: 14, name: 'item 14', price: 3.5 });
    const log = new EventLog(bulk.db);
    expect(await log.stateAt('items', '35', bulk.events[N]!.at)).toMatchObject({ known: true, exists: true });
  });

  it('writes the events out by itself, a step at a time, once the database is idle', async () => {
    const many = BULK_STEP_EVENTS * 2 + 500;
    const { bulk, rows } = await both(async (db, insert, isBulk, directory) => {
      await insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(1, many));
      await db.execute(`UPDATE items SET price = -1 WHERE id IN (2, ${BULK_STEP_EVENTS + 3}, ${many})`, undefined, { context: ctx('bob') });
      if (!isBulk) return;
      expect(pendingOf(directory)).toBe(1);
      const reader = new Database(path.join(directory, SQLITE_FILE), { readonly: true });
      try {
        const written = () => (reader.prepare('SELECT count(*) AS n FROM _dbforge_events').get() as { n: number }).n;
        const seen = new Set<number>();
        const deadline = Date.now() + 10_000;
        while (pendingOf(directory) > 0 && Date.now() < deadline) {
          seen.add(written());
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        expect(pendingOf(directory)).toBe(0);
        expect(written()).toBe(many + 3);
        // It went in steps: some reads found part of the events written.
        expect([...seen].some((n) => n > 3 && n < many + 3)).toBe(true);
      } finally {
        reader.close();
      }
    });
    expect(comparable(bulk.events)).toEqual(comparable(rows.events));
  });

  it('writes the events out before a statement that may replace rows (SQLite removes a replaced row unrecorded)', async () => {
    const { bulk, rows } = await both(async (db, insert) => {
      await insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(1, N));
      await db.execute("INSERT OR REPLACE INTO items (id, name) VALUES (5, 'replaced')", undefined, { context: ctx('bob') });
      await insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(N + 1, N));
      // The UNIQUE name of row 8 goes to row 9: row 8 is removed to make room.
      await db.execute("UPDATE OR REPLACE items SET name = 'item 8' WHERE id = 9", undefined, { context: ctx('bob') });
      await insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(2 * N + 1, N));
      await db.execute("REPLACE INTO items (id, name) VALUES (10, 'again')", undefined, { context: ctx('bob') });
    });
    expect(comparable(bulk.events)).toEqual(comparable(rows.events));
    expect(bulk.events.find((e) => e.record_id === '5')?.after).toEqual({ id: 5, name: 'item 5', price: 1.25 });
    expect(bulk.events.find((e) => e.record_id === '8')?.after).toEqual({ id: 8, name: 'item 8', price: 2 });
  });

  it('takes no table whose constraints replace on conflict', async () => {
    const { bulk, rows } = await both(async (db, insert, _isBulk, directory) => {
      await insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(1, N));
      expect(pendingOf(directory)).toBe(0);
      await db.execute("INSERT INTO items (id, name) VALUES (1000000, 'item 5')", undefined, { context: ctx('bob') });
    }, 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE ON CONFLICT REPLACE, price REAL)');
    expect(comparable(bulk.events)).toEqual(comparable(rows.events));
  });

  it('writes the events out at once near the size limit, and refuses the insert when they would not fit, as row by row', async () => {
    const outcomes: string[][] = [];
    for (const bulk of [true, false]) {
      const directory = tempDir();
      const db = await open('sqlite', { directory, maxDatabaseBytes: 400 * 1024 });
      await db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL)');
      const outcome: string[] = [];
      const insert = inserter(db, bulk);
      // Small batches fit with their events; the third does not.
      for (let b = 0; b < 3; b++) {
        const result = await insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(1 + b * 1500, 1500)).then(
          () => 'ok',
          (error: { code?: string; message?: string }) => `${error.code} ${error.message}`,
        );
        outcome.push(result);
        if (bulk) outcome.push(`pending ${pendingOf(directory)}`);
      }
      const count = await db.execute('SELECT count(*) AS n FROM items');
      const events = (await new EventLog(db).list({ limit: 100_000 })).data.length;
      outcome.push(JSON.stringify(count), String(events));
      outcomes.push(outcome.filter((o) => !o.startsWith('pending')).map((o) => o.replace(/statement 1 of \d+ \(parameter set \d+ of \d+\)/, 'statement')));
      if (bulk) expect(outcome.slice(0, 2)).toEqual(['ok', 'pending 0']);

    }
    expect(outcomes[0]).toEqual(outcomes[1]);
  });

  it('writes the events out before a statement that changes the schema, and before SQL reads the log', async () => {
    const { bulk, rows } = await both(async (db, insert) => {
      await insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(1, N));
      await db.execute('ALTER TABLE items ADD COLUMN note TEXT', undefined, { context: ctx() });
      await insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(N + 1, N));
      await db.execute('DROP TABLE items', undefined, { context: ctx() });
    });
    expect(comparable(bulk.events)).toEqual(comparable(rows.events));
    expect(bulk.events.filter((e) => e.op === 'create')).toHaveLength(2 * N);
    expect(bulk.events[0]!.after).toEqual({ id: 1, name: 'item 1', price: 0.25 });
    expect(bulk.events[N]!.after).toEqual({ id: N + 1, name: `item ${N + 1}`, price: (N + 1) / 4, note: null });

    const db = await open('sqlite');
    await db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    await inserter(db, true)('INSERT INTO t (id, v) VALUES (?, ?)', items(1, N).map(([id, name]) => [id!, name!]));
    const counted = await db.execute("SELECT count(*) AS n FROM _dbforge_events WHERE tbl = 't'");
    expect(counted).toMatchObject({ rows: [{ n: N }] });
  });

  it('keeps the pending events across a restart, and counts their ids as the newest without writing them out', async () => {
    const directory = tempDir();
    let db = await openDatabase({ engine: 'sqlite', directory, limits: { maxResultRows: 1000, maxResultBytes: 1 << 20 } });
    await db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL)');
    await inserter(db, true)('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(1, N));
    expect(await new EventLog(db).latestId()).toBe(N);
    expect(pendingOf(directory)).toBe(1);
    await db.close();
    db = await openDatabase({ engine: 'sqlite', directory, limits: { maxResultRows: 1000, maxResultBytes: 1 << 20 } });
    try {
      expect(await new EventLog(db).latestId()).toBe(N);
      await db.execute('UPDATE items SET price = 0 WHERE id = 3');
      const events = (await new EventLog(db).list({ limit: 100_000 })).data;
      expect(events).toHaveLength(N + 1);
      expect(events[2]).toMatchObject({ id: 3, op: 'create', after: { id: 3, price: 0.75 } });
      expect(events[N]).toMatchObject({ id: N + 1, op: 'update', before: { price: 0.75 }, after: { price: 0 } });
    } finally {
      await db.close();
    }
  });

  it('fails a bulk insert as a whole, leaving no row, no event and the capture as it was', async () => {
    const { bulk, rows } = await both(async (db, insert) => {
      const sets = items(1, N);
      sets[300] = [301, 'item 1', 1];
      const error = await failure(insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', sets));
      expect(error.message).toContain('UNIQUE constraint failed: items.name');
      await db.execute("INSERT INTO items (name) VALUES ('after')", undefined, { context: ctx() });
    });
    expect(comparable(bulk.events)).toEqual(comparable(rows.events));
    expect(bulk.events.map((e) => [e.id, e.record_id, e.after?.name])).toEqual([[1, '1', 'after']]);
    expect(pendingOf(bulk.directory)).toBe(0);
  });

  it('rolls a bulk insert back with a later statement of its batch that fails', async () => {
    const { bulk, rows } = await both(async (db, insert) => {
      const sets = items(1, N);
      const error = await failure(
        db.batch([{ sql: 'INSERT INTO items (id, name, price) VALUES (?, ?, ?)', param_sets: sets }, { sql: 'INSERT INTO nowhere VALUES (1)' }], { context: ctx() }),
      );
      expect(error.code).toBe('SQL_ERROR');
      // In a commit group with a write before it: only the batch's own work goes.
      await Promise.all([
        db.execute("INSERT INTO items (id, name) VALUES (100000, 'kept')", undefined, { context: ctx('bob') }),
        failure(db.batch([{ sql: 'INSERT INTO items (id, name, price) VALUES (?, ?, ?)', param_sets: sets }, { sql: 'INSERT INTO nowhere VALUES (1)' }], { context: ctx() })),
      ]);
      await insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(1, N));
    });
    expect(comparable(bulk.events)).toEqual(comparable(rows.events));
    expect(bulk.events).toHaveLength(N + 1);
  });

  it('tells rows removed or changed by foreign key actions', async () => {
    const { bulk, rows } = await both(
      async (db, insert) => {
        await db.execute('CREATE TABLE parents (id INTEGER PRIMARY KEY)', undefined, { context: ctx() });
        await db.execute('CREATE TABLE children (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parents (id) ON DELETE CASCADE ON UPDATE CASCADE, v TEXT)', undefined, { context: ctx() });
        await db.execute('INSERT INTO parents (id) VALUES (1), (2), (3)', undefined, { context: ctx() });
        await insert('INSERT INTO children (id, parent, v) VALUES (?, ?, ?)', items(1, N).map(([id, name]) => [id!, (Number(id) % 3) + 1, name!]));
        await db.execute('DELETE FROM parents WHERE id = 1', undefined, { context: ctx('bob') });
        await db.execute('UPDATE parents SET id = 20 WHERE id = 2', undefined, { context: ctx('bob') });
      },
      '',
    );
    expect(comparable(bulk.events)).toEqual(comparable(rows.events));
    expect(bulk.events.find((e) => e.table === 'children' && e.record_id === '3')).toMatchObject({ op: 'create', after: { id: 3, parent: 1, v: 'item 3' } });
  });

  it("tells rows that a resource write removes unrecorded (a plain table's ON DELETE CASCADE to a resource)", async () => {
    const { bulk, rows } = await both(
      async (db, insert) => {
        const engine = await ResourceEngine.open(db, { database: 'shop', dataDir: tempDir() });
        await engine.apply('resource: owners\nfields:\n  id: {type: primary_key}\n  name: {type: string}\n');
        const request = { actor: { id: 'ada', roles: ['admin'] }, hooks: new Set<string>(), fingerprint: 'f', requestId: 'r' };
        const owner = (await engine.create('owners', { name: 'Ada' }, request)).value;
        await db.execute('CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES owners (id) ON DELETE CASCADE, name TEXT)', undefined, { context: ctx() });
        await insert('INSERT INTO pets (id, owner, name) VALUES (?, ?, ?)', items(1, N).map(([id, name]) => [id!, owner.id as number, name!]));
        await engine.remove('owners', String(owner.id), request);
      },
      '',
    );
    expect(comparable(bulk.events)).toEqual(comparable(rows.events));
    expect(bulk.events.filter((e) => e.table === 'pets' && e.op === 'create' && e.after !== null)).toHaveLength(N);
  });

  it('writes the events out when the database opens without its log (the log turned off)', async () => {
    const logs: ChangeEvent[][] = [];
    for (const bulk of [true, false]) {
      const directory = tempDir();
      const limits = { maxResultRows: 1000, maxResultBytes: 1 << 20 };
      let db = await openDatabase({ engine: 'sqlite', directory, limits });
      await db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL)', undefined, { context: ctx() });
      await inserter(db, bulk)('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(1, N));
      await db.close();
      db = await openDatabase({ engine: 'sqlite', directory, limits, eventLog: false });
      await db.execute('UPDATE items SET price = -1');
      await db.execute('DELETE FROM items WHERE id > 10');
      logs.push((await new EventLog(db).list({ limit: 100_000 })).data);
      expect(pendingOf(directory)).toBe(0);
      await db.close();
    }
    expect(comparable(logs[0]!)).toEqual(comparable(logs[1]!));
    expect(logs[0]![20]!.after).toEqual({ id: 21, name: 'item 21', price: 5.25 });
  });

  it('names the failing set of a bulk insert like any batch', async () => {
    const db = await open('sqlite');
    await db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL)');
    const sets = items(1, N);
    sets[300] = [301, null, 1];
    const error = await failure(db.batch([{ sql: 'INSERT INTO items (id, name, price) VALUES (?, ?, ?)', param_sets: sets }]));
    expect(error.details).toMatchObject({ statement_index: 0, param_set_index: 300 });
    expect(error.message).toContain(`parameter set 301 of ${N}`);
  });

  it('orders a bulk insert among the writes of the same commit group as they ran', async () => {
    const { bulk, rows } = await both(async (db, insert) => {
      await Promise.all([
        db.execute("INSERT INTO items (id, name) VALUES (100000, 'first')", undefined, { context: ctx('bob') }),
        insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(1, N)),
        db.execute("UPDATE items SET name = 'second' WHERE id = 5", undefined, { context: ctx('carol') }),
        insert('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(N + 1, N), ctx('dan')),
      ]);
    });
    expect(comparable(bulk.events)).toEqual(comparable(rows.events));
    expect(bulk.events.map((e) => e.actor.id).filter((a, i, all) => a !== all[i - 1])).toEqual(['bob', 'ada', 'carol', 'dan']);
  });

  it('serves reads by record, by id and since an id, and reverts a bulk-inserted row', async () => {
    const db = await open('sqlite');
    await db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL)');
    await inserter(db, true)('INSERT INTO items (id, name, price) VALUES (?, ?, ?)', items(1, N));
    const engine = await ResourceEngine.open(db, { database: 'shop', dataDir: tempDir() });
    const event = await engine.events.get(7);
    expect(event).toMatchObject({ id: 7, op: 'create', record_id: '7', after: { name: 'item 7' } });
    expect((await engine.events.list({ table: 'items', record: '9', limit: 10 })).data.map((e) => e.id)).toEqual([9]);
    expect((await engine.events.since(N - 2, 10)).map((e) => e.id)).toEqual([N - 1, N]);
    await engine.revert(7, {}, { actor: { id: 'ada', roles: ['admin'] }, hooks: new Set(), fingerprint: 'f', requestId: 'r' });
    expect(await db.execute('SELECT count(*) AS n FROM items WHERE id = 7')).toMatchObject({ rows: [{ n: 0 }] });
  });

  it('captures row by row what it can not take as a bulk insert', async () => {
    const cases: [string, string][] = [
      ['CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT)', 'INSERT INTO t (id, v) VALUES (?, ?)'],
      ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT) WITHOUT ROWID', 'INSERT INTO t (id, v) VALUES (?, ?)'],
      ['CREATE TABLE t (id INTEGER PRIMARY KEY DESC, v TEXT)', 'INSERT INTO t (id, v) VALUES (?, ?)'],
      ['CREATE TABLE t (a INTEGER, v TEXT)', 'INSERT INTO t (a, v) VALUES (?, ?)'],
      ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', 'INSERT OR REPLACE INTO t (id, v) VALUES (?, ?)'],
      ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', 'INSERT INTO t (id, v) VALUES (?, ?) ON CONFLICT DO NOTHING'],
      ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', 'INSERT INTO t (id, v) VALUES (?, ?) RETURNING id'],
      ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', 'INSERT INTO t (id, v) SELECT ?, ?'],
    ];
    for (const [ddl, sql] of cases) {
      const directory = tempDir();
      const db = await open('sqlite', { directory });
      await db.execute(ddl);
      await inserter(db, true)(sql, items(1, N).map(([id, name]) => [String(id), name!]));
      expect(pendingOf(directory), `${ddl} / ${sql}`).toBe(0);
      expect((await new EventLog(db).list({ limit: 100_000 })).data, `${ddl} / ${sql}`).toHaveLength(N);
    }
    // A table with a trigger of its own: the trigger's writes are captured as they happen, and so are the rows.
    const directory = tempDir();
    const db = await open('sqlite', { directory });
    await db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    await db.execute('CREATE TABLE audit (id INTEGER PRIMARY KEY, t_id INTEGER)');
    await db.execute('CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN INSERT INTO audit (t_id) VALUES (NEW.id); END');
    await inserter(db, true)('INSERT INTO t (id, v) VALUES (?, ?)', items(1, N).map(([id, name]) => [id!, name!]));
    expect(pendingOf(directory)).toBe(0);
    expect((await new EventLog(db).list({ limit: 100_000 })).data).toHaveLength(2 * N);
  });

  it('keeps keys beyond 2^53 exact', async () => {
    const big = 2n ** 60n;
    const { bulk, rows } = await both(async (_db, insert) => {
      await insert('INSERT INTO items (id, name) VALUES (?, ?)', Array.from({ length: N }, (_, i) => [String(big + BigInt(i)), `big ${i}`]));
    });
    expect(comparable(bulk.events)).toEqual(comparable(rows.events));
    expect(bulk.events[1]).toMatchObject({ record_id: String(big + 1n), after: { id: String(big + 1n) } });
  });
});

describe('plainInsertTable', () => {
  it('takes INSERT INTO name (columns) VALUES (one row) and nothing else', () => {
    expect(plainInsertTable('INSERT INTO items (a, b) VALUES (?, ?)')).toBe('items');
    expect(plainInsertTable('insert into "my ""t""" values (:a, json(?));')).toBe('my "t"');
    expect(plainInsertTable('INSERT INTO main.items VALUES (?, (SELECT 1))')).toBe('items');
    for (const sql of [
      'INSERT INTO temp.items VALUES (?)',
      'INSERT OR IGNORE INTO items VALUES (?)',
      'REPLACE INTO items VALUES (?)',
      'INSERT INTO items VALUES (?), (?)',
      'INSERT INTO items DEFAULT VALUES',
      'INSERT INTO items SELECT ?',
      'WITH x AS (SELECT 1) INSERT INTO items VALUES (?)',
      'INSERT INTO items VALUES (?) ON CONFLICT DO NOTHING',
      'INSERT INTO items VALUES (?) RETURNING *',
      'INSERT INTO items AS i VALUES (?)',
    ]) {
      expect(plainInsertTable(sql), sql).toBeUndefined();
    }
  });
});
