import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@dbforge/engine';
import { validatorCompiler } from '@dbforge/server-kit';
import { workerApp } from '../src/app.js';
import { loadWorkerConfig } from '../src/config.js';

const SECRET = 's'.repeat(43);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function build(engine: 'sqlite' | 'duckdb' = 'sqlite'): Promise<FastifyInstance> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbforge-worker-'));
  const adapter = await openDatabase({ engine, directory: dir, limits: { maxResultRows: 100, maxResultBytes: 1 << 20 } });
  const app = Fastify({ bodyLimit: 4096 });
  app.setValidatorCompiler(validatorCompiler);
  await app.register(workerApp, { name: 'mine', adapter, dataDir: dir, secret: SECRET, maxBodyBytes: 4096 });
  cleanups.push(async () => {
    await app.close();
    await adapter.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return app;
}

const auth = { 'x-dbforge-worker-secret': SECRET, 'x-dbforge-actor': JSON.stringify({ id: 'admin', kind: 'platform', roles: ['admin'], readonly: false }) };

describe('worker app', () => {
  it('answers only requests that carry its secret', async () => {
    const app = await build();
    for (const headers of [{}, { 'x-dbforge-worker-secret': 'wrong' }, { 'x-dbforge-worker-secret': `${SECRET}x` }]) {
      const reply = await app.inject({ method: 'POST', url: '/api/db/mine/query', headers, payload: { sql: 'SELECT 1' } });
      expect(reply.statusCode).toBe(401);
      expect(reply.json().error.code).toBe('UNAUTHORIZED');
    }
    const ok = await app.inject({ method: 'POST', url: '/api/db/mine/query', headers: auth, payload: { sql: 'SELECT 1 AS one' } });
    expect(ok.json()).toMatchObject({ data: [{ one: 1 }], rows_affected: 1 });
  });

  it('answers a request for another database as a database that does not exist, before reading the body', async () => {
    const app = await build();
    const reply = await app.inject({ method: 'POST', url: '/api/db/other/query', headers: auth, payload: { nonsense: 1 } });
    expect(reply.statusCode).toBe(404);
    expect(reply.json().detail).toBe('Database not found.');
  });

  it.each(['sqlite', 'duckdb'] as const)('reports its health with engine and size (%s)', async (engine) => {
    const app = await build(engine);
    const reply = await app.inject({ method: 'GET', url: '/_worker/health', headers: auth });
    expect(reply.json()).toMatchObject({ status: 'ok', name: 'mine', engine, size_bytes: expect.any(Number), pid: process.pid });
  });

  it('sums rows changed across a batch', async () => {
    const app = await build();
    await app.inject({ method: 'POST', url: '/api/db/mine/query', headers: auth, payload: { sql: 'CREATE TABLE t (a INTEGER)' } });
    const reply = await app.inject({
      method: 'POST',
      url: '/api/db/mine/batch',
      headers: auth,
      payload: { statements: [{ sql: 'INSERT INTO t VALUES (1), (2)' }, { sql: 'UPDATE t SET a = a + 1' }] },
    });
    expect(reply.json()).toMatchObject({ message: 'Batch executed successfully.', rows_affected: 4 });
  });
});

describe('worker configuration', () => {
  const base = { DBFORGE_WORKER_DB_NAME: 'mine', DBFORGE_WORKER_DATA_DIR: '/tmp/x', DBFORGE_WORKER_SECRET: SECRET };
  it('reads a socket or a port and the limits', () => {
    expect(loadWorkerConfig({ ...base, DBFORGE_WORKER_SOCKET: '/tmp/w.sock' }).listen).toEqual({ socket: '/tmp/w.sock' });
    expect(loadWorkerConfig({ ...base, DBFORGE_WORKER_PORT: '9000' })).toMatchObject({
      listen: { host: '0.0.0.0', port: 9000 },
      engine: 'sqlite',
      statementTimeoutMs: 30000,
    });
  });
  it('refuses a short secret and a bad name, naming the variables', () => {
    expect(() => loadWorkerConfig({ ...base, DBFORGE_WORKER_SECRET: 'short' })).toThrow(/DBFORGE_WORKER_SECRET/);
    expect(() => loadWorkerConfig({ ...base, DBFORGE_WORKER_DB_NAME: '../etc' })).toThrow(/DBFORGE_WORKER_DB_NAME/);
  });
});
