import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WORKER_ASSIGN_PATH, WORKER_HEALTH_PATH, WorkerHeaders } from '@dbforge/contracts';
import { OWNER_FILE, claimDataDir } from '../src/pool.js';

const ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'server.js');
const SECRET = 'p'.repeat(43);
const ACTOR = JSON.stringify({ id: 'admin', kind: 'platform', roles: ['admin'] });

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbforge-pool-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

function request(socketPath: string, method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: url, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Starts the real worker in pooled mode (as the gateway's pool does) and waits until it answers. */
async function startPooled(): Promise<{ socket: string; child: ChildProcess }> {
  const dir = tempDir();
  const socket = path.join(dir, 'w.sock');
  const child = spawn(process.execPath, [ENTRY], {
    env: { PATH: process.env.PATH, DBFORGE_WORKER_POOLED: 'true', DBFORGE_WORKER_SECRET: SECRET, DBFORGE_WORKER_SOCKET: socket, DBFORGE_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  cleanups.push(() => child.kill('SIGKILL'));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const reply = await request(socket, 'GET', WORKER_HEALTH_PATH, { [WorkerHeaders.secret]: SECRET }).catch(() => undefined);
    if (reply?.status === 200) return { socket, child };
    if (Date.now() > deadline) throw new Error('the pooled worker did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function assignment(name: string, dataDir: string): Record<string, string> {
  return { DBFORGE_WORKER_DB_NAME: name, DBFORGE_WORKER_ENGINE: 'sqlite', DBFORGE_WORKER_DATA_DIR: dataDir };
}

describe('a pooled worker', () => {
  it('answers only its gateway, takes one database once, then serves only that one', async () => {
    const { socket } = await startPooled();
    const secret = { [WorkerHeaders.secret]: SECRET };
    const health = await request(socket, 'GET', WORKER_HEALTH_PATH, secret);
    expect(health.body).toMatchObject({ status: 'pooled' });

    // Without the secret, or with another, nothing: not its health, not an assignment.
    expect((await request(socket, 'GET', WORKER_HEALTH_PATH, {})).status).toBe(401);
    const dataDir = path.join(tempDir(), 'mine');
    const forged = await request(socket, 'POST', WORKER_ASSIGN_PATH, { [WorkerHeaders.secret]: 'x'.repeat(43) }, { env: assignment('mine', dataDir) });
    expect(forged.status).toBe(401);
    // An assignment may not set the secret or where the worker listens.
    const hijack = await request(socket, 'POST', WORKER_ASSIGN_PATH, secret, { env: { ...assignment('mine', dataDir), DBFORGE_WORKER_SECRET: 'y'.repeat(43) } });
    expect(hijack.status).toBe(400);
    // Before its assignment it serves no database.
    expect((await request(socket, 'POST', '/api/db/mine/query', secret, { sql: 'SELECT 1' })).status).toBe(503);

    const assigned = await request(socket, 'POST', WORKER_ASSIGN_PATH, secret, { env: assignment('mine', dataDir) });
    expect(assigned).toEqual({ status: 200, body: { status: 'ok', name: 'mine' } });
    expect(fs.readFileSync(path.join(dataDir, OWNER_FILE), 'utf8').trim()).toBe('mine');

    // From now on the database's own app serves: a second assignment is refused, the database answers.
    const again = await request(socket, 'POST', WORKER_ASSIGN_PATH, secret, { env: assignment('other', path.join(tempDir(), 'other')) });
    expect(again.status).toBeGreaterThanOrEqual(400);
    const query = await request(socket, 'POST', '/api/db/mine/query', { ...secret, [WorkerHeaders.actor]: ACTOR }, { sql: 'SELECT 1 AS one' });
    expect(query.status).toBe(200);
    expect((await request(socket, 'GET', WORKER_HEALTH_PATH, secret)).body).toMatchObject({ status: 'ok', name: 'mine' });
    expect((await request(socket, 'POST', '/api/db/mine/query', { [WorkerHeaders.actor]: ACTOR }, { sql: 'SELECT 1' })).status).toBe(401);
  });

  it('binds a data directory to the first database given it', () => {
    const dir = path.join(tempDir(), 'data');
    claimDataDir(dir, 'first');
    expect(() => claimDataDir(dir, 'first')).not.toThrow();
    expect(() => claimDataDir(dir, 'second')).toThrow(/another database/);
  });
});
