import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIMES, removeTempDirs, startGateway, stopAllGateways, uniqueName, type RunningGateway } from '../support/gateway.js';

afterAll(async () => {
  await stopAllGateways();
  removeTempDirs();
});

const ENGINES = ['sqlite', 'duckdb'] as const;

describe.each(RUNTIMES)('data API (%s runtime)', (runtime) => {
  let gw: RunningGateway;
  beforeAll(async () => {
    // The runtime's default warm pool (2 workers on the process runtime): the data API served by claimed workers.
    gw = await startGateway({ runtime, env: { DBFORGE_WORKER_POOL_SIZE: '' } });
  });

  describe.each(ENGINES)('on %s', (engine) => {
    let name: string;
    beforeAll(async () => {
      name = uniqueName(engine);
      await gw.client.spawnDatabase(name, { engine });
    });

    it('runs DDL and writes with the MK1 reply, and reads with rows, columns and duration', async () => {
      const create = await gw.client.raw('POST', `/api/db/${name}/query`, {
        body: { sql: 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, score REAL)' },
      });
      expect(create.status).toBe(200);
      expect(create.body).toEqual({
        message: 'Query executed successfully.',
        rows_affected: 0,
        last_insert_rowid: engine === 'sqlite' ? 0 : null,
        duration_ms: expect.any(Number),
      });
      const insert = await gw.client.raw('POST', `/api/db/${name}/query`, {
        body: { sql: 'INSERT INTO users (id, email, score) VALUES (?, ?, ?)', params: [1, 'ada@example.com', 9.5] },
      });
      expect(insert.body).toEqual({
        message: 'Query executed successfully.',
        rows_affected: 1,
        last_insert_rowid: engine === 'sqlite' ? 1 : null,
        duration_ms: expect.any(Number),
      });
      // Named parameters: `$name` works on both engines (SQLite also takes `:name` and `@name`).
      await gw.client.db(name).execute('INSERT INTO users (id, email, score) VALUES ($id, $email, NULL)', { id: 2, email: 'alan@example.com' });
      const select = await gw.client.raw('POST', `/api/db/${name}/query`, { body: { sql: 'SELECT id, email, score FROM users ORDER BY id' } });
      expect(select.status).toBe(200);
      expect(select.body).toEqual({
        data: [
          { id: 1, email: 'ada@example.com', score: 9.5 },
          { id: 2, email: 'alan@example.com', score: null },
        ],
        rows_affected: 2,
        columns: [
          { name: 'id', type: 'INTEGER' },
          { name: 'email', type: engine === 'sqlite' ? 'TEXT' : 'VARCHAR' },
          { name: 'score', type: engine === 'sqlite' ? 'REAL' : 'FLOAT' },
        ],
        duration_ms: expect.any(Number),
        truncated: false,
      });
    });

    it('decides from the engine which statements return rows: WITH, RETURNING, comments first', async () => {
      const db = gw.client.db(name);
      await db.execute('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
      expect(await db.select("INSERT INTO notes (id, body) VALUES (1, 'hi') RETURNING id, body")).toEqual([{ id: 1, body: 'hi' }]);
      expect(await db.select('WITH n AS (SELECT count(*) AS c FROM notes) SELECT c FROM n')).toEqual([{ c: 1 }]);
      expect(await db.select('-- first a comment\n/* and another */ SELECT body FROM notes')).toEqual([{ body: 'hi' }]);
      if (engine === 'sqlite') expect(await db.select('PRAGMA table_info(notes)')).toHaveLength(2);
    });

    it('answers a SQL error with 400 and a message that starts with "SQL Error: "', async () => {
      const reply = await gw.client.raw('POST', `/api/db/${name}/query`, { body: { sql: 'SELECT * FROM missing_table' } });
      expect(reply.status).toBe(400);
      const body = reply.body as { error: { code: string; message: string }; detail: string };
      expect(body.error.code).toBe('SQL_ERROR');
      expect(body.error.message).toMatch(/^SQL Error: .*missing_table/);
      expect(body.detail).toBe(body.error.message);
    });

    it('runs a batch in one transaction and applies nothing when a statement fails', async () => {
      const db = gw.client.db(name);
      await db.execute('CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL)');
      const ok = await db.batch([
        { sql: 'INSERT INTO ledger VALUES (1, 10)' },
        { sql: 'INSERT INTO ledger VALUES (?, ?)', params: [2, 20] },
        { sql: 'SELECT sum(amount) AS total FROM ledger' },
      ]);
      expect(ok).toEqual({
        message: 'Batch executed successfully.',
        results: [
          { message: 'Query executed successfully.', rows_affected: 1, last_insert_rowid: engine === 'sqlite' ? 1 : null },
          { message: 'Query executed successfully.', rows_affected: 1, last_insert_rowid: engine === 'sqlite' ? 2 : null },
          { data: [{ total: 30 }], rows_affected: 1, columns: [{ name: 'total', type: expect.any(String) }], truncated: false },
        ],
        rows_affected: 2,
        duration_ms: expect.any(Number),
      });
      const failed = await gw.client.raw('POST', `/api/db/${name}/batch`, {
        body: {
          statements: [
            { sql: 'INSERT INTO ledger VALUES (3, 30)' },
            { sql: 'INSERT INTO ledger VALUES (4, NULL)' },
            { sql: 'INSERT INTO ledger VALUES (5, 50)' },
          ],
        },
      });
      expect(failed.status).toBe(400);
      expect(failed.body).toMatchObject({
        error: { code: 'SQL_ERROR', details: { statement_index: 1, sql: 'INSERT INTO ledger VALUES (4, NULL)' } },
      });
      expect((failed.body as { detail: string }).detail).toMatch(/^SQL Error: statement 2 of 3 failed: .*Nothing was applied\.$/);
      expect(await db.select('SELECT count(*) AS n FROM ledger')).toEqual([{ n: 2 }]);

      // The bulk form: one statement, a parameter list per row, one result; a bad set fails it all, naming the set.
      const bulk = await db.batch([{ sql: 'INSERT INTO ledger (id, amount) VALUES (?, ?)', param_sets: [[10, 1], [11, 2], [12, 3]] }]);
      expect(bulk).toMatchObject({ results: [{ rows_affected: 3, last_insert_rowid: engine === 'sqlite' ? 12 : null }], rows_affected: 3 });
      const badSet = await gw.client.raw('POST', `/api/db/${name}/batch`, {
        body: { statements: [{ sql: 'INSERT INTO ledger (id, amount) VALUES (?, ?)', param_sets: [[20, 1], [21, null]] }] },
      });
      expect(badSet.status).toBe(400);
      expect(badSet.body).toMatchObject({ error: { code: 'SQL_ERROR', details: { statement_index: 0, param_set_index: 1 } } });
      const both = await gw.client.raw('POST', `/api/db/${name}/batch`, {
        body: { statements: [{ sql: 'INSERT INTO ledger (id, amount) VALUES (?, ?)', params: [30, 1], param_sets: [[31, 1]] }] },
      });
      expect(both.status).toBe(422);
      expect(both.body).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
      // Every value of every set is checked, and a bad one is named by its place (nothing is applied).
      for (const [sets, field] of [
        [[[40, 1], [41, { amount: 2 }]], 'body.statements[0].param_sets[1][1]'],
        [[[42, 1], 'oops'], 'body.statements[0].param_sets[1]'],
      ] as const) {
        const refused = await gw.client.raw('POST', `/api/db/${name}/batch`, {
          body: { statements: [{ sql: 'INSERT INTO ledger (id, amount) VALUES (?, ?)', param_sets: sets }] },
        });
        expect(refused.status).toBe(422);
        expect(refused.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', details: { statement_index: 0 } } });
        expect((refused.body as { detail: string }).detail).toContain(`${field} must be`);
      }
      // At most 200,000 statements (each has a result in the reply); as many rows as the body holds in param_sets.
      const tooMany = await gw.client.raw('POST', `/api/db/${name}/batch`, {
        body: { statements: Array.from({ length: 200_001 }, (_, i) => ({ sql: 'INSERT INTO ledger (id, amount) VALUES (?, 1)', params: [1000 + i] })) },
      });
      expect(tooMany.status).toBe(422);
      expect(tooMany.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', details: [{ field: 'body.statements' }] } });
      expect((tooMany.body as { detail: string }).detail).toMatch(/200000/);
      expect(await db.select('SELECT count(*) AS n FROM ledger')).toEqual([{ n: 5 }]);
    });

    it('creates a table, inserts rows, and selects them with filters, limit and offset', async () => {
      const table = `items_${engine}`;
      const created = await gw.client.raw('POST', `/api/db/${name}/tables`, {
        body: {
          table_name: table,
          columns: [
            { name: 'id', type: 'INTEGER', primary_key: true },
            { name: 'label', type: 'VARCHAR(40)', not_null: true },
            { name: 'kind', type: 'TEXT', default: "it's plain" },
            { name: 'added', type: 'DATETIME', default: 'CURRENT_TIMESTAMP' },
          ],
        },
      });
      expect(created).toMatchObject({ status: 201, body: { message: `Table '${table}' created successfully.` } });
      const again = await gw.client.raw('POST', `/api/db/${name}/tables`, {
        body: { table_name: table, columns: [{ name: 'id', type: 'INTEGER' }] },
      });
      expect(again).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });

      const rows = Array.from({ length: 5 }, (_, i) => ({ id: i + 1, label: `item ${i + 1}`, kind: i % 2 ? 'odd' : 'even' }));
      const inserted = await gw.client.raw('POST', `/api/db/${name}/tables/${table}/rows`, { body: { rows } });
      expect(inserted).toMatchObject({ status: 201, body: { message: 'Rows inserted successfully.', rows_affected: 5 } });
      await gw.client.db(name).insertRows(table, [{ id: 6, label: 'defaulted' }]);

      const all = await gw.client.raw('GET', `/api/db/${name}/tables/${table}/rows`);
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({ rows_affected: 6, truncated: false });
      expect((all.body as { data: { kind: string; added: string }[] }).data[5]).toMatchObject({ kind: "it's plain" });
      expect((all.body as { data: { added: unknown }[] }).data[5]!.added).toEqual(expect.any(String));

      const db = gw.client.db(name);
      expect((await db.selectRows(table, { where: { kind: 'odd' } })).data.map((r) => r.id)).toEqual([2, 4]);
      expect((await db.selectRows(table, { limit: 2, offset: 1 })).data.map((r) => r.id)).toEqual([2, 3]);
      expect((await db.selectRows(table, { offset: 4 })).data.map((r) => r.id)).toEqual([5, 6]);
      expect((await db.selectRows(table, { where: { id: 3 } })).data).toMatchObject([{ label: 'item 3' }]);
    });

    it('answers the rows API errors MK1 clients expect', async () => {
      const table = `strict_${engine}`;
      await gw.client.db(name).createTable({ table_name: table, columns: [{ name: 'a', type: 'TEXT' }, { name: 'b', type: 'TEXT' }] });
      const empty = await gw.client.raw('POST', `/api/db/${name}/tables/${table}/rows`, { body: { rows: [] } });
      expect(empty).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
      const mixed = await gw.client.raw('POST', `/api/db/${name}/tables/${table}/rows`, { body: { rows: [{ a: '1' }, { b: '2' }] } });
      expect(mixed.status).toBe(400);
      expect(mixed.body).toEqual({
        error: { code: 'BAD_REQUEST', message: 'All rows must have the same columns.', status: 400 },
        detail: 'All rows must have the same columns.',
      });
      const unknownColumn = await gw.client.raw('GET', `/api/db/${name}/tables/${table}/rows`, { query: { nope: 'x' } });
      expect(unknownColumn.status).toBe(400);
      expect((unknownColumn.body as { detail: string }).detail).toBe(`Unknown column 'nope' in table '${table}'.`);
      const unknownTable = await gw.client.raw('GET', `/api/db/${name}/tables/ghost/rows`);
      expect(unknownTable).toMatchObject({ status: 404, body: { detail: "Table 'ghost' not found." } });
      const badLimit = await gw.client.raw('GET', `/api/db/${name}/tables/${table}/rows`, { query: { limit: 'many' } });
      expect(badLimit).toMatchObject({ status: 422, body: { error: { code: 'VALIDATION_ERROR' } } });
    });

    it('refuses unsafe DDL in the create-table API instead of pasting it into SQL', async () => {
      const reply = await gw.client.raw('POST', `/api/db/${name}/tables`, {
        body: {
          table_name: 'evil',
          columns: [
            { name: 'a', type: 'TEXT); DROP TABLE users; --' },
            { name: 'b"; DROP TABLE users; --', type: 'TEXT' },
          ],
        },
      });
      expect(reply.status).toBe(422);
      const fields = (reply.body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['body.columns[1].name']));
      const injected = await gw.client.raw('POST', `/api/db/${name}/tables`, {
        body: { table_name: `quoted_${engine}`, columns: [{ name: 'a', type: 'TEXT', default: "x'); DROP TABLE users; --" }] },
      });
      expect(injected.status).toBe(201);
      await gw.client.db(name).insertRows(`quoted_${engine}`, [{ a: null }]);
      await gw.client.db(name).execute(`INSERT INTO quoted_${engine} DEFAULT VALUES`);
      expect(await gw.client.db(name).select(`SELECT a FROM quoted_${engine} WHERE a IS NOT NULL`)).toEqual([
        { a: "x'); DROP TABLE users; --" },
      ]);
    });

    it('lists tables with columns and describes one with indexes and row count', async () => {
      const db = gw.client.db(name);
      await db.execute('CREATE TABLE teams (id INTEGER PRIMARY KEY, title TEXT UNIQUE)');
      await db.execute('CREATE INDEX teams_title ON teams (title)');
      await db.execute("INSERT INTO teams VALUES (1, 'core')");
      const { tables } = await db.listTables();
      const teams = tables.find((t) => t.name === 'teams');
      expect(teams).toEqual({
        name: 'teams',
        type: 'table',
        columns: [
          { name: 'id', type: 'INTEGER', not_null: expect.any(Boolean), default: null, primary_key: true },
          { name: 'title', type: engine === 'sqlite' ? 'TEXT' : 'VARCHAR', not_null: false, default: null, primary_key: false },
        ],
      });
      const detail = await db.describeTable('teams');
      expect(detail).toMatchObject({ name: 'teams', type: 'table', row_count: 1 });
      expect(detail.indexes.some((i) => i.name === 'teams_title' && i.columns.includes('title'))).toBe(true);
      const missing = await gw.client.raw('GET', `/api/db/${name}/tables/nothing_here`);
      expect(missing).toMatchObject({ status: 404, body: { detail: "Table 'nothing_here' not found." } });
    });

    it('validates the query body and names every failing field', async () => {
      const reply = await gw.client.raw('POST', `/api/db/${name}/query`, { body: { sql: '', params: 'x', extra: true } });
      expect(reply.status).toBe(422);
      const fields = (reply.body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field).sort();
      expect(fields).toEqual(['body.extra', 'body.params', 'body.sql']);
      const notJson = await gw.client.raw('POST', `/api/db/${name}/query`, { rawBody: '{"sql": ' });
      expect(notJson).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
      const noBody = await gw.client.raw('POST', `/api/db/${name}/query`, { headers: { 'content-type': 'application/json' } });
      expect(noBody).toMatchObject({ status: 422, body: { error: { code: 'VALIDATION_ERROR' } } });
      const text = await gw.client.raw('POST', `/api/db/${name}/query`, { rawBody: 'SELECT 1', headers: { 'content-type': 'text/plain' } });
      expect(text).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
    });
  });

  it('answers 404 for an unknown database before looking at the body', async () => {
    const name = uniqueName('ghost');
    for (const [method, path, body] of [
      ['POST', `/api/db/${name}/query`, { nonsense: true }],
      ['POST', `/api/db/${name}/query`, '{not json'],
      ['POST', `/api/db/${name}/batch`, { statements: 'no' }],
      ['GET', `/api/db/${name}/tables`, undefined],
      ['POST', `/api/db/${name}/tables`, {}],
      ['GET', `/api/db/${name}/tables/t`, undefined],
      ['GET', `/api/db/${name}/tables/t/rows`, undefined],
      ['POST', `/api/db/${name}/tables/t/rows`, { rows: 'no' }],
    ] as const) {
      const reply = await gw.client.raw(method, path, typeof body === 'string' ? { rawBody: body } : body === undefined ? {} : { body });
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body).toEqual({
        error: { code: 'NOT_FOUND', message: 'Database not found.', status: 404 },
        detail: 'Database not found.',
      });
    }
  });

  it("carries any other path under a database to its worker, which answers for what it doesn't know", async () => {
    const name = uniqueName();
    await gw.client.spawnDatabase(name);
    const unknownPath = await gw.client.raw('GET', `/api/db/${name}/no/such/thing`);
    expect(unknownPath).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', message: `Route GET /api/db/${name}/no/such/thing not found.` } } });
    const unknownDb = await gw.client.raw('GET', `/api/db/${uniqueName('none')}/no/such/thing`);
    expect(unknownDb).toMatchObject({ status: 404, body: { detail: 'Database not found.' } });
    const badName = await gw.client.raw('GET', '/api/db/bad..name/no/such/thing');
    expect(badName).toMatchObject({ status: 400, body: { detail: 'Invalid database name.' } });
  });

  it('keeps big integers exact and returns blobs as base64', async () => {
    const name = uniqueName();
    await gw.client.spawnDatabase(name);
    const rows = await gw.client.db(name).select("SELECT 9007199254740993 AS big, 42 AS small, x'cafe' AS bytes");
    expect(rows).toEqual([{ big: '9007199254740993', small: 42, bytes: 'yv4=' }]);
  });
});
