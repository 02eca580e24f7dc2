import { describe, expect, it } from 'vitest';
import { EventLog, type DatabaseAdapter } from '../src/index.js';
import { assertSqliteSessionStatement } from '../src/sql-guard.js';
import { failure, open, tempDir } from './helpers.js';

// Raw SQL that tried to get past the statement guard or the event log (found in a review), run against the real
// engines: each must be refused, or recorded, as a caller of a database with SQL access would expect.


async function events(db: DatabaseAdapter) {
  return (await new EventLog(db).list({ limit: 1000 })).data.map((e) => `${e.op}:${e.table}:${e.record_id}`);
}

describe('SQLite', () => {
  it('refuses ATTACH, PRAGMA settings and transaction control behind an empty statement or a byte-order mark', async () => {
    const db = await open('sqlite');
    const outside = `${tempDir()}/other.db`;
    for (const sql of [`;ATTACH '${outside}' AS x`, `\uFEFFATTACH '${outside}' AS x`, ';PRAGMA max_page_count = 100000000', ';BEGIN']) {
      expect((await failure(db.execute(sql))).code, sql).toMatch(/FORBIDDEN|BAD_REQUEST/);
      expect((await failure(db.execute(sql, undefined, { readOnly: true }))).code, sql).toMatch(/FORBIDDEN|BAD_REQUEST/);
    }
    expect(await db.execute('PRAGMA database_list')).toMatchObject({ rows: [{ name: 'main' }] });
  });

  it('keeps a batch all or nothing: a COMMIT hidden in it is refused and nothing is applied', async () => {
    const db = await open('sqlite');
    await db.execute('CREATE TABLE t (a INTEGER)');
    const error = await failure(
      db.batch([{ sql: 'INSERT INTO t VALUES (10)' }, { sql: ';COMMIT' }, { sql: 'INSERT INTO nowhere VALUES (1)' }]),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(await db.execute('SELECT count(*) AS n FROM t')).toMatchObject({ rows: [{ n: 0 }] });
    await db.execute('INSERT INTO t VALUES (11)');
    expect(await db.execute('SELECT a FROM t')).toMatchObject({ rows: [{ a: 11 }] });
  });

  it("refuses, by SQLite's own verdict, statements that neither read nor write unless they are PRAGMAs or REINDEX", () => {
    for (const sql of ['BEGIN', 'COMMIT', "ATTACH 'x' AS y", 'DETACH y', 'SAVEPOINT s', 'RELEASE s']) {
      expect(() => assertSqliteSessionStatement(sql), sql).toThrow(/not available through the API/);
    }
    for (const sql of ['PRAGMA defer_foreign_keys = ON', 'REINDEX']) expect(() => assertSqliteSessionStatement(sql)).not.toThrow();
  });

  it('refuses temporary tables, which would hide the real table from every caller', async () => {
    const db = await open('sqlite');
    await db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    expect((await failure(db.execute('CREATE TEMP TABLE t (id INTEGER PRIMARY KEY, v TEXT)'))).code).toBe('FORBIDDEN');
    expect((await failure(db.execute('CREATE TABLE temp.t (id INTEGER PRIMARY KEY, v TEXT)'))).code).toBe('FORBIDDEN');
    await db.execute("INSERT INTO t (v) VALUES ('kept')");
    expect(await events(db)).toEqual(['create:t:1']);
  });

  it('keeps capturing when a table shadows the pragma functions', async () => {
    const db = await open('sqlite');
    await db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    await db.execute('CREATE TABLE pragma_table_list (name TEXT, type TEXT, schema TEXT)');
    await db.execute('CREATE TABLE bait (x)');
    await db.execute("INSERT INTO t (v) VALUES ('recorded')");
    await db.execute('INSERT INTO bait VALUES (1)');
    expect(await events(db)).toEqual(['create:t:1', 'create:bait:1']);
  });

  it("captures tables named like other engines' reserved ones (pg_, duckdb_), also after a rename", async () => {
    const db = await open('sqlite');
    await db.execute('CREATE TABLE orders (id INTEGER PRIMARY KEY, v TEXT)');
    await db.execute('ALTER TABLE orders RENAME TO pg_orders');
    await db.execute("INSERT INTO pg_orders (v) VALUES ('a')");
    await db.execute('CREATE TABLE duckdb_stuff (id INTEGER PRIMARY KEY)');
    await db.execute('INSERT INTO duckdb_stuff VALUES (7)');
    await db.execute('DELETE FROM pg_orders');
    expect(await events(db)).toEqual(['create:pg_orders:1', 'create:duckdb_stuff:7', 'delete:pg_orders:1']);
  });

  it("records updates that a column's collation or numeric comparison would call equal", async () => {
    const db = await open('sqlite');
    await db.execute("CREATE TABLE c (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, x)");
    await db.execute("INSERT INTO c VALUES (1, 'alice', 1)");
    await db.execute("UPDATE c SET name = 'ALICE' WHERE id = 1");
    await db.execute('UPDATE c SET x = 1.0 WHERE id = 1');
    await db.execute("UPDATE c SET name = 'ALICE', x = 1.0 WHERE id = 1");
    const log = (await new EventLog(db).list({ limit: 10 })).data;
    expect(log.map((e) => e.op)).toEqual(['create', 'update', 'update']);
    expect(log[1]).toMatchObject({ before: { name: 'alice' }, after: { name: 'ALICE' } });
    expect(log[2]!.after).toMatchObject({ x: 1 });
  });

  it('drops a column of a captured table, and keeps capturing the columns left', async () => {
    const db = await open('sqlite');
    await db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT)');
    await db.execute("INSERT INTO t VALUES (1, 'x', 'y')");
    await db.execute('ALTER TABLE t DROP COLUMN b');
    await db.batch([{ sql: 'ALTER TABLE "t" DROP a' }, { sql: 'INSERT INTO t (id) VALUES (2)' }]);
    await db.execute('DELETE FROM t WHERE id = 1');
    const log = (await new EventLog(db).list({ limit: 10 })).data;
    expect(log.map((e) => [e.op, e.record_id, e.after ?? e.before])).toEqual([
      ['create', '1', { id: 1, a: 'x', b: 'y' }],
      ['create', '2', { id: 2 }],
      ['delete', '1', { id: 1 }],
    ]);
  });

  it("refuses calls to the engine's own functions", async () => {
    const db = await open('sqlite');
    await db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)');
    await db.execute("INSERT INTO t VALUES (1, 'x')");
    expect((await failure(db.execute("UPDATE t SET note = dbforge_seal('forged', 't.note')"))).code).toBe('FORBIDDEN');
    expect((await failure(db.execute('SELECT dbforge_actor_id()'))).code).toBe('FORBIDDEN');
  });
});

describe('DuckDB', () => {
  it('refuses EXPLAIN ANALYZE of a write, which would run it past the reserved-name and read-only checks', async () => {
    const db = await open('duckdb');
    await db.execute('CREATE TABLE t (x INTEGER)');
    await db.execute('INSERT INTO t VALUES (1)');
    const before = await events(db);
    for (const sql of ['EXPLAIN ANALYZE DELETE FROM _dbforge_events', 'EXPLAIN (ANALYZE) INSERT INTO t VALUES (2)', 'explain analyse update t set x = 3']) {
      expect((await failure(db.execute(sql))).code, sql).toBe('FORBIDDEN');
    }
    expect((await failure(db.execute('EXPLAIN ANALYZE INSERT INTO t VALUES (4)', undefined, { readOnly: true }))).code).toBe('FORBIDDEN');
    expect(await db.execute('SELECT list(x) AS xs FROM t')).toMatchObject({ rows: [{ xs: [1] }] });
    expect(await events(db)).toEqual(before);
    expect(await db.execute('EXPLAIN ANALYZE SELECT count(*) FROM t')).toMatchObject({ kind: 'rows' });
  });

  it('refuses statements by their kind: prepared statements, session variables, transactions', async () => {
    const db = await open('duckdb');
    for (const sql of ['PREPARE p AS SELECT 1', 'SET VARIABLE v = 1', ';COMMIT']) {
      expect((await failure(db.execute(sql))).code, sql).toMatch(/FORBIDDEN|BAD_REQUEST/);
    }
  });

  it('refuses running SQL serialised at run time', async () => {
    const db = await open('duckdb');
    const error = await failure(db.execute("SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT * FROM _dbforge_' || 'users'))"));
    expect(error.code).toBe('FORBIDDEN');
  });
});
