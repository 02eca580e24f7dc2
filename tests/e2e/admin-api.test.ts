import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIMES, removeTempDirs, startGateway, stopAllGateways, uniqueName, type RunningGateway } from '../support/gateway.js';

afterAll(async () => {
  await stopAllGateways();
  removeTempDirs();
});

describe.each(RUNTIMES)('admin API (%s runtime)', (runtime) => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ runtime });
  });

  it('spawns a database with 201, then answers 200 for the same name', async () => {
    const name = uniqueName();
    const first = await gw.client.raw('POST', `/admin/databases/spawn/${name}`);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      message: 'Database instance spawned successfully.',
      db_name: name,
      container_id: expect.stringMatching(/^[0-9a-f]{12}$/),
    });
    const again = await gw.client.raw('POST', `/admin/databases/spawn/${name}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      message: 'Database instance already exists and is running.',
      db_name: name,
      container_id: (first.body as { container_id: string }).container_id,
    });
  });

  it('accepts MK1 calls that send Content-Type: application/json without a body', async () => {
    const name = uniqueName();
    const headers = { 'content-type': 'application/json' };
    expect((await gw.client.raw('POST', `/admin/databases/spawn/${name}`, { headers })).status).toBe(201);
    expect((await gw.client.raw('GET', '/admin/databases', { headers })).status).toBe(200);
    const pruned = await gw.client.raw('POST', `/admin/databases/prune/${name}`, { headers });
    expect(pruned).toMatchObject({ status: 200, body: { message: 'Database instance pruned successfully.', db_name: name } });
  });

  it('lists and describes databases with engine, status, size and creation time', async () => {
    const sqlite = uniqueName('lite');
    const duck = uniqueName('duck');
    await gw.client.spawnDatabase(sqlite);
    await gw.client.spawnDatabase(duck, { engine: 'duckdb' });
    await gw.client.db(sqlite).execute('CREATE TABLE t (v TEXT)');
    const list = await gw.client.listDatabases();
    const entry = list.find((d) => d.name === sqlite);
    expect(entry).toEqual({
      name: sqlite,
      tenant: 'default',
      container_id: expect.stringMatching(/^[0-9a-f]{12}$/),
      status: 'running',
      engine: 'sqlite',
      size_bytes: expect.any(Number),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      settings: { statement_timeout_ms: 30000, max_result_rows: 10000, max_result_bytes: 16777216, memory_mb: 256, cpus: 1, pids_limit: 128, event_log: true, event_retention_days: null, event_retention_events: null },
    });
    expect(entry!.size_bytes).toBeGreaterThan(0);
    expect(list.find((d) => d.name === duck)).toMatchObject({ engine: 'duckdb', status: 'running' });
    expect(await gw.client.getDatabase(duck)).toMatchObject({ name: duck, engine: 'duckdb' });
  });

  it('prunes a database: it answers 404 everywhere afterwards, and a new one with the name starts empty', async () => {
    const name = uniqueName();
    await gw.client.spawnDatabase(name);
    await gw.client.db(name).execute('CREATE TABLE kept (v TEXT)');
    expect(await gw.client.pruneDatabase(name)).toEqual({ message: 'Database instance pruned successfully.', db_name: name });
    for (const [method, path] of [
      ['GET', `/admin/databases/${name}`],
      ['POST', `/admin/databases/prune/${name}`],
      ['DELETE', `/admin/databases/${name}`],
      ['GET', `/api/db/${name}/tables`],
      ['POST', `/api/db/${name}/query`],
    ] as const) {
      const reply = await gw.client.raw(method, path, method === 'POST' && path.includes('/api/') ? { body: { sql: 'SELECT 1' } } : {});
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body).toEqual({
        error: { code: 'NOT_FOUND', message: 'Database not found.', status: 404 },
        detail: 'Database not found.',
      });
    }
    expect((await gw.client.listDatabases()).some((d) => d.name === name)).toBe(false);
    await gw.client.spawnDatabase(name);
    expect((await gw.client.db(name).listTables()).tables).toEqual([]);
  });

  it('deletes with DELETE exactly as prune does', async () => {
    const name = uniqueName();
    await gw.client.spawnDatabase(name);
    expect(await gw.client.deleteDatabase(name)).toEqual({ message: 'Database instance pruned successfully.', db_name: name });
    expect((await gw.client.raw('GET', `/admin/databases/${name}`)).status).toBe(404);
  });

  it('refuses a spawn that conflicts with an existing database', async () => {
    const name = uniqueName('Case');
    await gw.client.spawnDatabase(name);
    const otherCase = await gw.client.raw('POST', `/admin/databases/spawn/${name.toLowerCase()}`);
    expect(otherCase.status).toBe(409);
    const otherEngine = await gw.client.raw('POST', `/admin/databases/spawn/${name}`, { body: { engine: 'duckdb' } });
    expect(otherEngine).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
    expect((otherEngine.body as { detail: string }).detail).toMatch(/engine 'sqlite'/);
  });

  it('validates the spawn body and names every bad field', async () => {
    const reply = await gw.client.raw('POST', `/admin/databases/spawn/${uniqueName()}`, {
      body: { engine: 'mysql', statement_timeout_ms: 'soon', colour: 'blue' },
    });
    expect(reply.status).toBe(422);
    expect(reply.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', status: 422 } });
    const fields = (reply.body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field).sort();
    expect(fields).toEqual(['body.colour', 'body.engine', 'body.statement_timeout_ms']);
  });

  it.each([
    'bad..name',
    '.hidden',
    '-dash',
    '_underscore',
    'has space',
    'semi;colon',
    'a'.repeat(64),
    'x%2F..%2Fetc',
  ])('answers 400 "Invalid database name." for %j on every route that takes a name', async (name) => {
    const routes: [string, string, unknown?][] = [
      ['POST', `/admin/databases/spawn/${name}`],
      ['POST', `/admin/databases/prune/${name}`],
      ['DELETE', `/admin/databases/${name}`],
      ['GET', `/admin/databases/${name}`],
      ['PATCH', `/admin/databases/${name}`, { statement_timeout_ms: 1000 }],
      ['GET', `/admin/databases/${name}/logs`],
      ['POST', `/api/db/${name}/query`, { sql: 'SELECT 1' }],
      ['POST', `/api/db/${name}/batch`, { statements: [{ sql: 'SELECT 1' }] }],
      ['GET', `/api/db/${name}/tables`],
      ['POST', `/api/db/${name}/tables`, { table_name: 't', columns: [{ name: 'a', type: 'TEXT' }] }],
      ['GET', `/api/db/${name}/tables/t`],
      ['GET', `/api/db/${name}/tables/t/rows`],
      ['POST', `/api/db/${name}/tables/t/rows`, { rows: [{ a: 1 }] }],
    ];
    for (const [method, path, body] of routes) {
      const reply = await gw.client.raw(method, path, body === undefined ? {} : { body });
      expect(reply.status, `${method} ${path}`).toBe(400);
      expect(reply.body, `${method} ${path}`).toEqual({
        error: { code: 'BAD_REQUEST', message: 'Invalid database name.', status: 400 },
        detail: 'Invalid database name.',
      });
    }
  });

  it('changes limits with PATCH and applies them to the running worker', async () => {
    const name = uniqueName();
    await gw.client.spawnDatabase(name);
    const info = await gw.client.updateDatabaseSettings(name, { max_result_rows: 3 });
    expect(info.settings.max_result_rows).toBe(3);
    const reply = await gw.client.db(name).query('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT n FROM r');
    expect(reply).toMatchObject({ rows_affected: 3, truncated: true });
  });

  it('serves the tail of a worker log', async () => {
    const name = uniqueName();
    await gw.client.spawnDatabase(name);
    const logs = await gw.client.databaseLogs(name, 5);
    expect(logs.db_name).toBe(name);
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.lines.length).toBeLessThanOrEqual(5);
  });

  it('counts requests and errors in the gateway stats', async () => {
    const before = await gw.client.gatewayStats();
    await gw.client.raw('GET', `/admin/databases/${uniqueName()}`);
    await gw.client.raw('GET', '/admin/databases');
    const after = await gw.client.gatewayStats();
    expect(Object.keys(after).sort()).toEqual(['errors_by_type', 'requests_by_endpoint', 'total_errors', 'total_requests', 'uptime_seconds']);
    // The two calls above and the first stats call itself.
    expect(after.total_requests - before.total_requests).toBe(3);
    expect(after.total_errors - before.total_errors).toBe(1);
    expect((after.errors_by_type.NOT_FOUND ?? 0) - (before.errors_by_type.NOT_FOUND ?? 0)).toBe(1);
    expect(after.requests_by_endpoint['GET /admin/databases/:name']).toBeGreaterThanOrEqual(1);
    expect(after.uptime_seconds).toBeGreaterThan(before.uptime_seconds);
  });
});
