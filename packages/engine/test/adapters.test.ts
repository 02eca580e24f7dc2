import { describe, expect, it } from 'vitest';
import { openDatabase, type RowsResult } from '../src/index.js';
import { failure, open, tempDir } from './helpers.js';


describe.each(['sqlite', 'duckdb'] as const)('%s adapter', (engine) => {
  it('tells statements that return rows from those that do not, by asking the engine', async () => {
    const db = await open(engine);
    const created = await db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)');
    expect(created.kind).toBe('exec');
    const inserted = await db.execute('INSERT INTO t (id, name) VALUES (?, ?)', [1, 'ada']);
    expect(inserted).toMatchObject({ kind: 'exec', rowsAffected: 1 });
    const returning = await db.execute('INSERT INTO t (id, name) VALUES (2, $name) RETURNING id, name', { name: 'alan' });
    expect(returning).toMatchObject({ kind: 'rows', rows: [{ id: 2, name: 'alan' }] });
    const withQuery = await db.execute('WITH x AS (SELECT * FROM t) SELECT count(*) AS n FROM x');
    expect(withQuery).toMatchObject({ kind: 'rows', rows: [{ n: 2 }] });
    const commented = await db.execute('-- the names\n/* all of them */ SELECT name FROM t ORDER BY id');
    expect(commented).toMatchObject({ kind: 'rows', rows: [{ name: 'ada' }, { name: 'alan' }], truncated: false });
    expect((commented as RowsResult).columns).toEqual([{ name: 'name', type: engine === 'sqlite' ? 'TEXT' : 'VARCHAR' }]);
  });

  it('binds named parameters with any prefix, booleans and nulls', async () => {
    const db = await open(engine);
    await db.execute('CREATE TABLE t (a INTEGER, b TEXT, c BOOLEAN)');
    await db.execute('INSERT INTO t VALUES ($a, $b, $c)', { ':a': 1, '@b': null, c: true });
    const result = await db.execute('SELECT a, b, c FROM t WHERE a = ?', [1]);
    expect(result).toMatchObject({ kind: 'rows', rows: [{ a: 1, b: null, c: engine === 'sqlite' ? 1 : true }] });
  });

  it('returns 64-bit integers exactly: numbers when safe, strings beyond', async () => {
    const db = await open(engine);
    const result = await db.execute('SELECT CAST(9007199254740993 AS BIGINT) AS big, CAST(42 AS BIGINT) AS small');
    expect(result).toMatchObject({ kind: 'rows', rows: [{ big: '9007199254740993', small: 42 }] });
  });

  it('reports SQL errors with the engine message and SQL_ERROR', async () => {
    const db = await open(engine);
    const error = await failure(db.execute('SELEC 1'));
    expect(error.code).toBe('SQL_ERROR');
    expect(error.message).toMatch(/^SQL Error: /);
    const missing = await failure(db.execute('SELECT * FROM nowhere'));
    expect(missing.message).toMatch(/nowhere/);
  });

  it('refuses more than one statement per query', async () => {
    const db = await open(engine);
    const error = await failure(db.execute('SELECT 1; SELECT 2'));
    expect(error.code).toBe('SQL_ERROR');
  });

  it('caps results by rows and by bytes and says so', async () => {
    const db = await open(engine, { limits: { maxResultRows: 5, maxResultBytes: 1024 * 1024 } });
    const rows = await db.execute('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 100) SELECT n FROM r');
    expect(rows).toMatchObject({ kind: 'rows', truncated: true });
    expect((rows as RowsResult).rows).toHaveLength(5);
    const exact = await db.execute('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r');
    expect(exact).toMatchObject({ truncated: false });

    const small = await open(engine, { limits: { maxResultRows: 1000, maxResultBytes: 2048 } });
    const big = await small.execute(
      "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 100) SELECT n, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' AS pad FROM r",
    );
    expect(big).toMatchObject({ truncated: true });
    const count = (big as RowsResult).rows.length;
    expect(count).toBeGreaterThan(10);
    expect(count).toBeLessThan(100);
  });

  it('runs a batch in one transaction: all or nothing, naming the failing statement', async () => {
    const db = await open(engine);
    await db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const ok = await db.batch([
      { sql: 'INSERT INTO t VALUES (1, ?)', params: ['a'] },
      { sql: 'INSERT INTO t VALUES (2, ?)', params: ['b'] },
      { sql: 'SELECT count(*) AS n FROM t' },
    ]);
    expect(ok.map((r) => r.kind)).toEqual(['exec', 'exec', 'rows']);
    const error = await failure(
      db.batch([
        { sql: 'INSERT INTO t VALUES (3, ?)', params: ['c'] },
        { sql: 'INSERT INTO t VALUES (1, ?)', params: ['duplicate'] },
      ]),
    );
    expect(error.code).toBe('SQL_ERROR');
    expect(error.message).toMatch(/statement 2 of 2 failed/);
    expect(error.details).toMatchObject({ statement_index: 1 });
    expect(await db.execute('SELECT count(*) AS n FROM t')).toMatchObject({ rows: [{ n: 2 }] });
  });

  it('runs a statement once per parameter set: the bulk form of a batch, all or nothing', async () => {
    const db = await open(engine);
    await db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, ok BOOLEAN)');
    const sets = Array.from({ length: 1000 }, (_, i) => [i + 1, `v${i + 1}`, i % 2 === 0]);
    const [insert, count] = await db.batch([
      { sql: 'INSERT INTO t VALUES (?, ?, ?)', param_sets: sets },
      { sql: 'SELECT count(*) AS n, sum(id) AS total FROM t' },
    ]);
    expect(insert).toMatchObject({ kind: 'exec', rowsAffected: 1000 });
    if (engine === 'sqlite') expect(insert).toMatchObject({ lastInsertRowid: 1000 });
    expect(count).toMatchObject({ kind: 'rows', rows: [{ n: 1000, total: 500500 }] });
    // A reading statement gives the rows of every run, in order.
    const [read] = await db.batch([{ sql: 'SELECT v FROM t WHERE id = ?', param_sets: [[3], [1], [2]] }]);
    expect(read).toMatchObject({ kind: 'rows', rows: [{ v: 'v3' }, { v: 'v1' }, { v: 'v2' }] });

    // The 3rd set fails: nothing of the batch stays, and the error names the statement and the set.
    const error = await failure(
      db.batch([
        { sql: 'INSERT INTO t (id, v) VALUES (?, ?)', params: [2001, 'kept?'] },
        { sql: 'INSERT INTO t (id, v) VALUES (?, ?)', param_sets: [[2002, 'a'], [2003, 'b'], [1, 'duplicate'], [2004, 'c']] },
      ]),
    );
    expect(error.code).toBe('SQL_ERROR');
    expect(error.message).toMatch(/statement 2 of 2 \(parameter set 3 of 4\) failed/);
    expect(error.details).toMatchObject({ statement_index: 1, param_set_index: 2 });
    expect(await db.execute('SELECT count(*) AS n FROM t')).toMatchObject({ rows: [{ n: 1000 }] });

    const both = await failure(db.batch([{ sql: 'INSERT INTO t (id) VALUES (?)', params: [5000], param_sets: [[5001]] }]));
    expect(both.code).toBe('VALIDATION_ERROR');
    expect(both.message).toMatch(/both params and param_sets/);
    const bad = await failure(db.batch([{ sql: 'INSERT INTO t (id, v) VALUES (?, ?)', param_sets: [[5002, 'x'], [5003, Infinity]] }]));
    expect(bad.code).toBe('VALIDATION_ERROR');
    expect(bad.message).toMatch(/param_sets\[1\]\[1\] must be a finite number/);
    // The worker leaves parameter sets to the engine: every set and every value is checked, by its place.
    const notASet = await failure(db.batch([{ sql: 'INSERT INTO t (id) VALUES (?)', param_sets: [[5004], 'oops' as never] }]));
    expect(notASet.code).toBe('VALIDATION_ERROR');
    expect(notASet.message).toMatch(/param_sets\[1\] must be a list of values, or an object of named values/);
    const objectValue = await failure(db.batch([{ sql: 'INSERT INTO t (id, v) VALUES (?, ?)', param_sets: [[5005, 'x'], [5006, { nested: 1 } as never]] }]));
    expect(objectValue.code).toBe('VALIDATION_ERROR');
    expect(objectValue.message).toMatch(/param_sets\[1\]\[1\] must be a string, a number, a boolean or null/);

    // Sets that bind as they are and sets that need converting (booleans), mixed in one statement, and named sets.
    await db.batch([
      { sql: 'INSERT INTO t VALUES (?, ?, ?)', param_sets: [[3001, 'as is', null], [3002, 'true', true], [3003, 'as is', 1], [3004, 'false', false]] },
      { sql: 'INSERT INTO t VALUES ($id, $v, $ok)', param_sets: [{ ':id': 3005, $v: 'named', '@ok': true }, { id: 3006, v: 'bare', ok: null }] },
    ]);
    const mixed = await db.execute('SELECT id, v, CAST(ok AS INTEGER) AS ok FROM t WHERE id > 3000 ORDER BY id');
    expect(mixed).toMatchObject({
      rows: [
        { id: 3001, v: 'as is', ok: null },
        { id: 3002, v: 'true', ok: 1 },
        { id: 3003, v: 'as is', ok: 1 },
        { id: 3004, v: 'false', ok: 0 },
        { id: 3005, v: 'named', ok: 1 },
        { id: 3006, v: 'bare', ok: null },
      ],
    });
  });

  it('refuses to reach outside the database', async () => {
    const db = await open(engine);
    expect((await failure(db.execute(`ATTACH '${tempDir()}/other.db' AS other`))).code).toBe('FORBIDDEN');
    if (engine === 'sqlite') {
      expect((await failure(db.execute("SELECT load_extension('/tmp/nothing')"))).code).toBe('FORBIDDEN');
      expect((await failure(db.execute(`VACUUM INTO '${tempDir()}/copy.db'`))).code).toBe('FORBIDDEN');
    } else {
      expect((await failure(db.execute("SELECT * FROM read_csv('/etc/passwd')"))).code).toBe('FORBIDDEN');
      expect((await failure(db.execute("SELECT * FROM read_text('/etc/hostname')"))).code).toBe('FORBIDDEN');
      expect((await failure(db.execute('INSTALL httpfs'))).code).toBe('FORBIDDEN');
    }
  });

  it('creates tables, inserts rows and selects them with filters, limit and offset', async () => {
    const db = await open(engine);
    await db.createTable('people', [
      { name: 'id', type: 'INTEGER', primary_key: true },
      { name: 'name', type: 'TEXT', not_null: true },
      { name: 'team', type: 'VARCHAR(20)', default: "it's" },
      { name: 'joined', type: 'DATETIME', default: 'CURRENT_TIMESTAMP' },
    ]);
    const conflict = await failure(db.createTable('people', [{ name: 'id', type: 'INTEGER' }]));
    expect(conflict.code).toBe('CONFLICT');
    const rows = Array.from({ length: 6 }, (_, i) => ({ id: i + 1, name: `p${i + 1}`, team: i % 2 ? 'odd' : 'even' }));
    expect(await db.insertRows('people', rows)).toBe(6);
    expect((await db.selectRows('people', { filters: { team: 'odd' } })).rows.map((r) => r.id)).toEqual([2, 4, 6]);
    expect((await db.selectRows('people', { filters: {}, limit: 2, offset: 1 })).rows.map((r) => r.id)).toEqual([2, 3]);
    expect((await db.selectRows('people', { filters: {}, offset: 4 })).rows.map((r) => r.id)).toEqual([5, 6]);
    expect((await db.selectRows('people', { filters: { id: '3' } })).rows).toMatchObject([{ name: 'p3' }]);
    await db.insertRows('people', [{ id: 7, name: 'q' }]);
    expect((await db.selectRows('people', { filters: { id: '7' } })).rows).toMatchObject([{ team: "it's" }]);
    expect((await failure(db.selectRows('people', { filters: { nope: '1' } }))).code).toBe('BAD_REQUEST');
    expect((await failure(db.selectRows('ghosts', { filters: {} }))).code).toBe('NOT_FOUND');
    expect((await failure(db.insertRows('people', [{ id: 8, name: 'a' }, { id: 9 }]))).message).toBe(
      'All rows must have the same columns.',
    );
    expect((await failure(db.insertRows('people', [{ id: 8, nope: 'a' }]))).code).toBe('BAD_REQUEST');
    expect((await failure(db.insertRows('people', []))).code).toBe('BAD_REQUEST');
  });

  it('describes tables for the schema browser and hides reserved ones', async () => {
    const db = await open(engine);
    await db.execute('CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT UNIQUE)');
    await db.execute('CREATE TABLE members (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES teams(id), email TEXT NOT NULL)');
    await db.execute('CREATE INDEX members_email ON members (email)');
    // The event log (_dbforge_events) exists from the start and is hidden like every reserved table.
    await db.execute("INSERT INTO teams VALUES (1, 'core')");
    const tables = await db.listTables();
    expect(tables.map((t) => t.name)).toEqual(['members', 'teams']);
    expect(tables[1]!.columns.map((c) => [c.name, c.primary_key])).toEqual([
      ['id', true],
      ['name', false],
    ]);
    const members = await db.describeTable('members');
    expect(members?.row_count).toBe(0);
    expect(members?.columns.find((c) => c.name === 'email')?.not_null).toBe(true);
    expect(members?.indexes.some((i) => i.name === 'members_email' && i.columns.includes('email'))).toBe(true);
    expect(members?.foreign_keys).toEqual([{ columns: ['team_id'], references_table: 'teams', references_columns: ['id'] }]);
    expect((await db.describeTable('teams'))?.row_count).toBe(1);
    expect(await db.describeTable('_dbforge_events')).toBeUndefined();
    expect(await db.describeTable('nothing')).toBeUndefined();
  });

  it('keeps committed data across close and reopen', async () => {
    const directory = tempDir();
    const options = { engine, directory, limits: { maxResultRows: 100, maxResultBytes: 1 << 20 } } as const;
    const first = await openDatabase(options);
    await first.execute('CREATE TABLE t (v TEXT)');
    await first.execute("INSERT INTO t VALUES ('kept')");
    expect(first.sizeBytes()).toBeGreaterThan(0);
    await first.close();
    const second = await openDatabase(options);
    expect(await second.execute('SELECT v FROM t')).toMatchObject({ rows: [{ v: 'kept' }] });
    await second.close();
  });
});

describe('duckdb adapter', () => {
  it('interrupts a runaway statement at its deadline and keeps answering', async () => {
    const db = await open('duckdb', { statementTimeoutMs: 300 });
    const started = Date.now();
    const error = await failure(
      db.execute('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r'),
    );
    expect(error.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await db.execute('SELECT 1 AS one')).toMatchObject({ rows: [{ one: 1 }] });
  });
});

describe('sqlite adapter', () => {
  it('turns on WAL and foreign keys', async () => {
    const db = await open('sqlite');
    expect(await db.execute('PRAGMA journal_mode')).toMatchObject({ rows: [{ journal_mode: 'wal' }] });
    expect(await db.execute('PRAGMA foreign_keys')).toMatchObject({ rows: [{ foreign_keys: 1 }] });
    await db.execute('CREATE TABLE a (id INTEGER PRIMARY KEY)');
    await db.execute('CREATE TABLE b (a_id INTEGER REFERENCES a(id))');
    expect((await failure(db.execute('INSERT INTO b VALUES (99)'))).message).toMatch(/FOREIGN KEY/);
  });

  it('returns blobs as base64', async () => {
    const db = await open('sqlite');
    expect(await db.execute("SELECT x'cafe' AS b")).toMatchObject({ rows: [{ b: 'yv4=' }], columns: [{ name: 'b', type: 'BLOB' }] });
  });
});
