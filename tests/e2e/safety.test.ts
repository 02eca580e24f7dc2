import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbForgeApiError } from '@dbforge/client';
import { RUNTIMES, removeTempDirs, startGateway, stopAllGateways, uniqueName, type RunningGateway } from '../support/gateway.js';

afterAll(async () => {
  await stopAllGateways();
  removeTempDirs();
});

const RUNAWAY = 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) AS n FROM r';

describe.each(RUNTIMES)('safety of SQL (%s runtime)', (runtime) => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ runtime, env: { DBFORGE_MAX_BODY_BYTES: String(64 * 1024) } });
  });

  it.each([
    ['sqlite', "ATTACH DATABASE '/etc/hostname' AS host"],
    ['sqlite', ";ATTACH DATABASE '/tmp/other.db' AS other"],
    ['sqlite', "\uFEFFATTACH DATABASE '/tmp/other.db' AS other"],
    ['sqlite', "attach 'file:/tmp/other.db?mode=rwc' as other"],
    ['sqlite', 'DETACH DATABASE main'],
    ['sqlite', "SELECT load_extension('/usr/lib/x86_64-linux-gnu/libm.so.6')"],
    ['sqlite', "VACUUM INTO '/tmp/stolen.db'"],
    ['sqlite', 'PRAGMA journal_mode = DELETE'],
    ['duckdb', "SELECT * FROM read_csv('/etc/passwd')"],
    ['duckdb', "SELECT * FROM read_text('/etc/hostname')"],
    ['duckdb', "COPY (SELECT 1) TO '/tmp/out.csv'"],
    ['duckdb', 'INSTALL httpfs'],
    ['duckdb', "ATTACH '/tmp/other.duckdb' AS other"],
    ['duckdb', 'SET enable_external_access = true'],
  ] as const)('refuses on %s: %s', async (engine, sql) => {
    const name = uniqueName(engine);
    await gw.client.spawnDatabase(name, { engine });
    const reply = await gw.client.raw('POST', `/api/db/${name}/query`, { body: { sql } });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ error: { code: 'FORBIDDEN', status: 403 } });
  });

  it("keeps a database's files to the service's own user (process runtime)", async () => {
    if (runtime !== 'process') return;
    const name = uniqueName('modes');
    await gw.client.spawnDatabase(name);
    await gw.client.db(name).execute('CREATE TABLE t (v TEXT)');
    const mode = (file: string) => fs.statSync(path.join(gw.dataDir, file)).mode & 0o777;
    expect(mode(name)).toBe(0o700);
    for (const file of fs.readdirSync(path.join(gw.dataDir, name))) {
      expect(mode(path.join(name, file)) & 0o077, file).toBe(0);
    }
    expect(mode('_gateway') & 0o077).toBe(0);
  });

  it('refuses transaction control in a single query and points to /batch', async () => {
    const name = uniqueName();
    await gw.client.spawnDatabase(name);
    const reply = await gw.client.raw('POST', `/api/db/${name}/query`, { body: { sql: 'BEGIN' } });
    expect(reply.status).toBe(400);
    expect((reply.body as { detail: string }).detail).toMatch(/\/batch/);
  });

  it('stops a runaway SQLite query with 504 within its timeout, while other databases keep answering', async () => {
    const slow = uniqueName('slow');
    const other = uniqueName('other');
    await gw.client.spawnDatabase(slow, { statement_timeout_ms: 1500 });
    await gw.client.spawnDatabase(other);
    await gw.client.db(slow).execute('CREATE TABLE t (v TEXT)');
    await gw.client.db(slow).execute("INSERT INTO t VALUES ('committed before')");

    const started = Date.now();
    const runaway = gw.client.raw('POST', `/api/db/${slow}/query`, { body: { sql: RUNAWAY } });
    // While the runaway runs, another database answers promptly.
    const latencies: number[] = [];
    while (Date.now() - started < 1000) {
      const t = Date.now();
      expect(await gw.client.db(other).select('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      latencies.push(Date.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
    const reply = await runaway;
    const elapsed = Date.now() - started;
    expect(reply.status).toBe(504);
    expect(reply.body).toMatchObject({ error: { code: 'TIMEOUT', status: 504 } });
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(4000);
    expect(Math.max(...latencies)).toBeLessThan(500);
    // The worker comes back with everything committed before.
    expect(await gw.client.db(slow).select('SELECT v FROM t')).toEqual([{ v: 'committed before' }]);
  });

  it('interrupts a runaway DuckDB query with 504 and keeps the same worker', async () => {
    const name = uniqueName('duck');
    await gw.client.spawnDatabase(name, { engine: 'duckdb', statement_timeout_ms: 1000 });
    const before = await gw.client.getDatabase(name);
    const started = Date.now();
    const reply = await gw.client.raw('POST', `/api/db/${name}/query`, { body: { sql: RUNAWAY } });
    expect(reply.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(await gw.client.db(name).select('SELECT 2 AS two')).toEqual([{ two: 2 }]);
    expect((await gw.client.getDatabase(name)).container_id).toBe(before.container_id);
  });

  it.each(['sqlite', 'duckdb'] as const)('caps results by rows and flags them as truncated (%s)', async (engine) => {
    const name = uniqueName(engine);
    await gw.client.spawnDatabase(name, { engine, max_result_rows: 100 });
    const reply = await gw.client.db(name).query('SELECT * FROM (WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000) SELECT n FROM r) AS s');
    expect(reply).toMatchObject({ rows_affected: 100, truncated: true });
  });

  it('caps results by bytes', async () => {
    const name = uniqueName();
    await gw.client.spawnDatabase(name, { max_result_bytes: 4096 });
    const reply = await gw.client.db(name).query(
      "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 500) SELECT n, printf('%.100c', 'x') AS pad FROM r",
    );
    expect(reply).toMatchObject({ truncated: true });
    expect(JSON.stringify(reply).length).toBeLessThan(8192);
  });

  it('answers 413 for a body over the limit, declared or streamed', async () => {
    const name = uniqueName();
    await gw.client.spawnDatabase(name);
    const big = { sql: `SELECT '${'x'.repeat(70 * 1024)}' AS v` };
    const declared = await gw.client.raw('POST', `/api/db/${name}/query`, { body: big });
    expect(declared).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    // Chunked, without a Content-Length: the worker stops reading at the limit.
    const chunks = new Blob([JSON.stringify(big)]).stream();
    const response = await fetch(`${gw.url}/api/db/${name}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': gw.apiKey },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('throws typed errors from the SDK', async () => {
    const error = await gw.client.db(uniqueName('none')).select('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DbForgeApiError);
    expect(error).toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'Database not found.' });
  });
});
