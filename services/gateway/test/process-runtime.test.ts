import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkerHeaders } from '@dbforge/contracts';
import { ProcessRuntime } from '../src/runtime/process-runtime.js';
import { defaultWorkerEntry } from '../src/plugins/runtime.js';
import type { WorkerSpec } from '../src/runtime/types.js';
import { onCleanup, silentLogger, tempDir } from './helpers.js';

function runtime(dataDir = tempDir()): ProcessRuntime {
  const r = new ProcessRuntime({
    dataDir,
    workerEntry: defaultWorkerEntry(),
    startTimeoutMs: 15_000,
    maxBodyBytes: 1 << 20,
    sqliteSynchronous: 'FULL',
    sqliteCacheMb: 32,
    logLevel: 'info',
    logger: silentLogger,
  });
  onCleanup(() => r.close());
  return r;
}

const spec = (name: string): WorkerSpec => ({
  name,
  engine: 'sqlite',
  settings: { statementTimeoutMs: 5000, maxResultRows: 100, maxResultBytes: 1 << 20, memoryMb: 256, cpus: 1, pidsLimit: 128 },
});

async function query(r: ProcessRuntime, name: string, sql: string): Promise<{ status: number; body: unknown }> {
  const endpoint = await r.ensureRunning(name);
  const response = await endpoint.dispatcher.request({
    path: `/api/db/${name}/query`,
    method: 'POST',
    headers: { 'content-type': 'application/json', [WorkerHeaders.secret]: endpoint.secret, [WorkerHeaders.actor]: JSON.stringify({ id: 'admin', kind: 'platform', roles: ['admin'] }) },
    body: JSON.stringify({ sql }),
  });
  return { status: response.statusCode, body: await response.body.json() };
}

async function pidOf(r: ProcessRuntime, name: string): Promise<number> {
  // The worker's "ready" message can arrive before its first log line has been read from its stdout.
  for (let attempt = 0; attempt < 50; attempt++) {
    const line = (await r.logs(name, 100)).find((l) => l.includes('"pid"'));
    if (line !== undefined) return Number(/"pid":(\d+)/.exec(line)?.[1]);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no pid in the log of ${name}`);
}

describe('ProcessRuntime', () => {
  it('spawns a worker per database, each in its own process with its own data', async () => {
    const dataDir = tempDir();
    const r = runtime(dataDir);
    const a = await r.spawn(spec('alpha'));
    const b = await r.spawn(spec('beta'));
    expect(a.containerId).not.toBe(b.containerId);
    expect(a.state).toBe('running');
    await query(r, 'alpha', 'CREATE TABLE only_alpha (x)');
    expect((await query(r, 'beta', 'SELECT * FROM only_alpha')).status).toBe(400);
    expect(await pidOf(r, 'alpha')).not.toBe(await pidOf(r, 'beta'));
    expect(fs.existsSync(path.join(dataDir, 'alpha', 'data.sqlite'))).toBe(true);
    expect(await r.sizeBytes('alpha')).toBeGreaterThan(0);
  });

  it('restarts a worker that dies, and keeps its committed data', async () => {
    const r = runtime();
    await r.spawn(spec('phoenix'));
    await query(r, 'phoenix', 'CREATE TABLE t (v TEXT)');
    await query(r, 'phoenix', "INSERT INTO t VALUES ('kept')");
    const pid = await pidOf(r, 'phoenix');
    process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(['restarting', 'running']).toContain(r.status('phoenix')?.state);
    expect((await query(r, 'phoenix', 'SELECT v FROM t')).body).toMatchObject({ data: [{ v: 'kept' }] });
    expect(r.status('phoenix')).toMatchObject({ state: 'running', restarts: 1 });
  });

  it("gives workers an environment without the gateway's own secrets", async () => {
    process.env.DBFORGE_ADMIN_KEY = 'must-not-leak-to-workers-123456';
    onCleanup(() => {
      delete process.env.DBFORGE_ADMIN_KEY;
    });
    const r = runtime();
    await r.spawn(spec('sealed'));
    const environ = fs.readFileSync(`/proc/${await pidOf(r, 'sealed')}/environ`, 'utf8');
    expect(environ).not.toContain('must-not-leak');
    expect(environ).toContain('DBFORGE_WORKER_DB_NAME=sealed');
  });

  it('removes a database for good: process stopped, files gone', async () => {
    const dataDir = tempDir();
    const r = runtime(dataDir);
    await r.spawn(spec('gone'));
    const pid = await pidOf(r, 'gone');
    await r.remove('gone');
    expect(fs.existsSync(path.join(dataDir, 'gone'))).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(r.status('gone')).toBeUndefined();
  });

  it('reports data that no catalogued database owns and leaves it alone', async () => {
    const dataDir = tempDir();
    fs.mkdirSync(path.join(dataDir, 'stray'), { recursive: true });
    const r = runtime(dataDir);
    const report = await r.reconcile([spec('known')]);
    expect(report).toMatchObject({ started: ['known'], orphans: ['stray'], failed: [] });
    expect(fs.existsSync(path.join(dataDir, 'stray'))).toBe(true);
  });
});

describe('ProcessRuntime statistics', () => {
  it('reads CPU, memory and I/O of a worker from /proc', async () => {
    const r = runtime();
    await r.spawn(spec('measured'));
    await query(r, 'measured', 'CREATE TABLE t (v TEXT)');
    const stats = await r.stats('measured');
    expect(stats.memory_bytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(stats.pids).toBeGreaterThan(1);
    expect(stats.cpu_percent).toBeGreaterThanOrEqual(0);
    expect(stats.memory_limit_bytes).toBeNull();
    expect(stats.block_write_bytes).toEqual(expect.any(Number));
  });
});
