import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbForgeClient } from '@dbforge/client';
import { RUNTIMES, removeTempDirs, startGateway, stopAllGateways, tempDir, type RunningGateway } from '../support/gateway.js';

// The gateway's fast lane serves platform callers' SQL queries and batches outside Fastify's request pipeline, and
// hands everything else to the pipeline before reading the body. These tests hold a gateway with the lane to one
// without it (DBFORGE_FAST_LANE=false): same status, headers and body for every caller, refusals included, and the
// lane's own count shows which requests it answered itself.

afterAll(async () => {
  await stopAllGateways();
  removeTempDirs();
});

async function createKey(admin: DbForgeClient, tenant: string, body: Record<string, unknown>): Promise<string> {
  return (await admin.request<{ secret: string }>('POST', `/admin/tenants/${tenant}/keys`, { body: { name: 'lane', ...body } })).secret;
}

/** The lane's count in /metrics. */
async function laneCount(gw: RunningGateway): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`, { headers: { 'x-api-key': gw.apiKey } })).text();
  const match = /^dbforge_fast_lane_requests_total (\d+)$/m.exec(text);
  if (match === null) throw new Error('the fast lane count is missing from /metrics');
  return Number(match[1]);
}

/** Past the current second: a fresh window for the per-key limit and a refilled tenant bucket. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100));

/** `count` point queries one after the other with `key`: each reply's status and the key's remaining allowance. */
async function allowances(gw: RunningGateway, db: string, key: string, count: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < count; i++) {
    const reply = await fetch(`${gw.url}/api/db/${db}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: '{"sql":"SELECT 1 AS one"}',
    });
    await reply.arrayBuffer();
    seen.push(`${reply.status} ${reply.headers.get('x-ratelimit-remaining')}`);
  }
  return seen;
}

interface Case {
  label: string;
  /** Which credential: a key by its role in the setup, none, or a literal header value. */
  as: 'admin' | 'tenant' | 'read-only' | 'other tenant' | 'none' | 'invalid' | 'end user token';
  path: string;
  body: string;
  contentType?: string;
  origin?: string;
  /** Whether the lane answers it itself (the rest go to the pipeline). */
  lane: boolean;
}

const SELECT = JSON.stringify({ sql: 'SELECT id, v FROM t ORDER BY id' });
const WRITE = JSON.stringify({ sql: "INSERT INTO t (v) VALUES ('w')" });

function cases(db: string): Case[] {
  return [
    { label: 'a select, platform admin', as: 'admin', path: `/api/db/${db}/query`, body: SELECT, lane: true },
    { label: "a select, the tenant's key", as: 'tenant', path: `/api/db/${db}/query`, body: SELECT, lane: true },
    { label: 'a batch', as: 'tenant', path: `/api/db/${db}/batch`, body: JSON.stringify({ statements: [{ sql: 'SELECT count(*) AS n FROM t' }] }), lane: true },
    { label: 'an SQL error', as: 'tenant', path: `/api/db/${db}/query`, body: JSON.stringify({ sql: 'SELEC 1' }), lane: true },
    { label: 'a body the worker refuses', as: 'tenant', path: `/api/db/${db}/query`, body: '{"sql": ', lane: true },
    { label: 'a read-only key reading', as: 'read-only', path: `/api/db/${db}/query`, body: SELECT, lane: true },
    { label: 'a read-only key writing (the worker refuses)', as: 'read-only', path: `/api/db/${db}/query`, body: WRITE, lane: true },
    { label: 'no credential', as: 'none', path: `/api/db/${db}/query`, body: SELECT, lane: false },
    { label: 'an unknown key', as: 'invalid', path: `/api/db/${db}/query`, body: SELECT, lane: false },
    { label: "a database user's token", as: 'end user token', path: `/api/db/${db}/query`, body: SELECT, lane: false },
    { label: "another tenant's key", as: 'other tenant', path: `/api/db/${db}/query`, body: SELECT, lane: false },
    { label: 'a database that does not exist', as: 'tenant', path: '/api/db/no-such-db/query', body: SELECT, lane: false },
    { label: 'an invalid database name', as: 'tenant', path: '/api/db/bad..name/query', body: SELECT, lane: false },
    { label: 'a query string', as: 'tenant', path: `/api/db/${db}/query?pretty=1`, body: SELECT, lane: false },
    { label: 'a text body', as: 'tenant', path: `/api/db/${db}/query`, body: 'SELECT 1', contentType: 'text/plain', lane: false },
    { label: 'a cross-origin call (CORS)', as: 'tenant', path: `/api/db/${db}/query`, body: SELECT, origin: 'https://app.example.com', lane: false },
    { label: 'a disallowed origin', as: 'tenant', path: `/api/db/${db}/query`, body: SELECT, origin: 'https://evil.example.com', lane: false },
  ];
}

describe.each(RUNTIMES)('the fast lane (%s runtime)', (runtime) => {
  const gateways: { gw: RunningGateway; keys: Record<string, string> }[] = [];
  const db = 'lane-db';

  beforeAll(async () => {
    const env = { DBFORGE_CORS_ORIGINS: 'https://app.example.com' };
    const [withLane, without] = await Promise.all([
      startGateway({ runtime, env }),
      startGateway({ runtime, env: { ...env, DBFORGE_FAST_LANE: 'false' } }),
    ]);
    for (const gw of [withLane!, without!]) {
      const admin = gw.client;
      for (const id of ['lane-a', 'lane-b']) await admin.request('POST', '/admin/tenants', { body: { id, name: id } });
      const tenant = await createKey(admin, 'lane-a', { scope: 'admin' });
      await admin.withApiKey(tenant).spawnDatabase(db, { tenant: 'lane-a' });
      await admin.db(db).execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
      await admin.db(db).execute("INSERT INTO t (v) VALUES ('one'), ('two')");
      gateways.push({
        gw,
        keys: {
          admin: gw.apiKey,
          tenant,
          'read-only': await createKey(admin, 'lane-a', { scope: 'read_only' }),
          'other tenant': await createKey(admin, 'lane-b', { scope: 'admin' }),
          invalid: 'dbf_notakey_0000000000000000000000000000',
          'end user token': 'dbu_not-a-real-token',
        },
      });
    }
  });

  it('answers every caller as the request pipeline does, and takes only what it can answer itself', async () => {
    const [lane, plain] = gateways;
    // The lane's start-up probe (GET /health) is not counted as a request.
    const metrics = await (await fetch(`${lane!.gw.url}/metrics`, { headers: { 'x-api-key': lane!.gw.apiKey } })).text();
    expect(metrics).not.toMatch(/route="\/health"/);
    const before = await laneCount(lane!.gw);
    expect(await laneCount(plain!.gw)).toBe(0);
    for (const c of cases(db)) {
      const observed = [];
      for (const { gw, keys } of [lane!, plain!]) {
        const headers: Record<string, string> = { 'content-type': c.contentType ?? 'application/json' };
        if (c.as !== 'none') headers['x-api-key'] = keys[c.as]!;
        if (c.origin !== undefined) headers.origin = c.origin;
        const counted = await laneCount(lane!.gw);
        const reply = await fetch(`${gw.url}${c.path}`, { method: 'POST', headers, body: c.body });
        const text = await reply.text();
        const shown = Object.fromEntries(
          [...reply.headers].filter(([key]) => !['date', 'x-request-id', 'content-length', 'keep-alive', 'connection', 'x-ratelimit-remaining', 'x-ratelimit-reset'].includes(key)),
        );
        // (Lengths differ with the timings in the body.)
        observed.push({
          status: reply.status,
          headers: shown,
          body: JSON.parse(text, (key, value: unknown) => (key === 'duration_ms' ? '(varies)' : value)) as unknown,
        });
        expect(reply.headers.get('x-request-id'), c.label).toBeTruthy();
        if (gw === lane!.gw) expect({ case: c.label, lane: (await laneCount(lane!.gw)) - counted }).toEqual({ case: c.label, lane: c.lane ? 1 : 0 });
      }
      expect({ case: c.label, ...observed[0] }).toEqual({ case: c.label, ...observed[1] });
    }
    // Only the cases it took were counted (GET /metrics is not the lane's).
    expect((await laneCount(lane!.gw)) - before).toBe(cases(db).filter((c) => c.lane).length);
    // The read-only key's write was refused on both: the rows are the same two.
    for (const { gw } of gateways) expect(await gw.client.db(db).select('SELECT v FROM t ORDER BY id')).toEqual([{ v: 'one' }, { v: 'two' }]);
  });

  it('records the failed authentications it hands on in the audit log', async () => {
    const { gw } = gateways[0]!;
    const reply = await fetch(`${gw.url}/api/db/${db}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'dbf_unknown_1111111111111111111111111111' },
      body: SELECT,
    });
    expect(reply.status).toBe(401);
    const failures = await gw.client.audit({ action: 'auth.failure' });
    expect(failures.data.some((entry) => (entry.detail as { path?: string }).path === `/api/db/${db}/query`)).toBe(true);
  });

  it("counts a request refused by its tenant's quota once, as the pipeline does", async () => {
    const sequences = [];
    for (const { gw } of gateways) {
      await gw.client.request('POST', '/admin/tenants', { body: { id: 'lane-q', name: 'quota', quotas: { requests_per_second: 1 } } });
      // One request per second for the tenant, its setup included.
      const key = await createKey(gw.client, 'lane-q', { scope: 'admin' });
      await nextSecond();
      await gw.client.withApiKey(key).spawnDatabase('lane-q-db', { tenant: 'lane-q' });
      await nextSecond();
      sequences.push(await allowances(gw, 'lane-q-db', key, 5));
    }
    expect(sequences[0]![0]).toMatch(/^200 /);
    expect(sequences[0]!.slice(1).every((s) => s.startsWith('429 '))).toBe(true);
    // The key's allowance goes down by one per request on both: a refused request is not counted twice.
    expect(sequences[0]).toEqual(sequences[1]);
  });

  it('lets go of a large reply whose client went away, and keeps serving the database', async () => {
    const { gw } = gateways[0]!;
    const before = await laneCount(gw);
    // Replies over 64 KiB are streamed from the worker over HTTP (a pool of 32 connections per worker): each abandoned
    // one used to hold a connection for good, and the database's HTTP routes hung once they were all taken.
    const body = JSON.stringify({ sql: 'SELECT hex(randomblob(150000)) AS big' });
    const url = new URL(`${gw.url}/api/db/${db}/query`);
    for (let i = 0; i < 40; i++) {
      await new Promise<void>((resolve) => {
        const request = http.request(
          { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.apiKey } },
          () => {},
        );
        request.on('error', () => resolve());
        request.end(body);
        // Gone before the worker's reply arrives.
        setTimeout(() => {
          request.destroy();
          resolve();
        }, 1);
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const tables = await fetch(`${gw.url}/api/db/${db}/tables`, { headers: { 'x-api-key': gw.apiKey }, signal: AbortSignal.timeout(10_000) });
    expect(tables.status).toBe(200);
    const big = await gw.client.db(db).select<{ big: string }>('SELECT hex(randomblob(150000)) AS big');
    expect(big[0]!.big).toHaveLength(300_000);
    // Requests whose client left are not counted as answered (the last select was).
    expect((await laneCount(gw)) - before).toBeLessThanOrEqual(1 + 40);
  });

  it('counts its requests against the per-key rate limit, with the limit headers, and hands the excess to the pipeline for its 429', async () => {
    const gw = await startGateway({ runtime, env: { DBFORGE_RATE_LIMIT_PER_SECOND: '5' } });
    await gw.client.spawnDatabase('limited');
    const before = await laneCount(gw);
    // The next second's window (the calls above count too), then more than the limit at once.
    await nextSecond();
    const replies = await Promise.all(
      Array.from({ length: 12 }, () =>
        fetch(`${gw.url}/api/db/limited/query`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.apiKey }, body: '{"sql":"SELECT 1 AS one"}' }),
      ),
    );
    const ok = replies.filter((r) => r.status === 200);
    const limited = replies.filter((r) => r.status === 429);
    expect(ok.length + limited.length).toBe(12);
    expect(limited.length).toBeGreaterThan(0);
    // Within one window at most 5 pass (a window boundary in the middle of the burst could let 5 more through).
    expect(ok.length).toBeLessThanOrEqual(10);
    for (const reply of ok) expect(reply.headers.get('x-ratelimit-limit')).toBe('5');
    const refusal = (await limited[0]!.json()) as { error: { code: string } };
    expect(refusal.error.code).toBe('RATE_LIMITED');
    expect(limited[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
    // Only the requests under the limit were the lane's.
    await nextSecond();
    expect((await laneCount(gw)) - before).toBe(ok.length);
  });

  it("serves a burst's allowance when the burst waited for the worker's channel to open, as the pipeline does", async () => {
    // Requests that wait for the same channel resume together; counted in lockstep, every one of them used to see the
    // whole burst's count, and a burst over the limit was refused entirely.
    const gw = await startGateway({ runtime, env: { DBFORGE_RATE_LIMIT_PER_SECOND: '3' } });
    for (const name of ['burst-a', 'burst-b']) {
      // Each step in a window of its own: the admin calls are counted by the same limit. A settings change restarts the
      // worker, so that the burst finds its channel closed and waits for it together.
      await nextSecond();
      await gw.client.spawnDatabase(name);
      await nextSecond();
      await gw.client.updateDatabaseSettings(name, { statement_timeout_ms: 5000 });
      await nextSecond();
      const statuses = await Promise.all(
        Array.from({ length: 12 }, async () => {
          const reply = await fetch(`${gw.url}/api/db/${name}/query`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': gw.apiKey },
            body: '{"sql":"SELECT 1 AS one"}',
          });
          await reply.arrayBuffer();
          return reply.status;
        }),
      );
      const served = statuses.filter((status) => status === 200).length;
      expect(served + statuses.filter((status) => status === 429).length).toBe(12);
      // The allowance (3), or twice it when a window boundary falls inside the burst.
      expect(served).toBeGreaterThanOrEqual(3);
      expect(served).toBeLessThanOrEqual(6);
    }
  });

  it("answers a burst over its tenant's quota as the pipeline does, counting each request once against the key", async () => {
    // A burst that waits for the worker's channel passes the quota's check together, and the quota refuses the excess
    // only when the lane counts: those refusals are the lane's to answer (handed to Fastify, they were counted a second
    // time by the per-key limit, and the last of them refused as over the key's limit instead).
    const gw = await startGateway({ runtime, env: { DBFORGE_RATE_LIMIT_PER_SECOND: '10' } });
    await gw.client.request('POST', '/admin/tenants', { body: { id: 'lane-burst', name: 'burst', quotas: { requests_per_second: 5 } } });
    await nextSecond();
    const key = await createKey(gw.client, 'lane-burst', { scope: 'admin' });
    await nextSecond();
    await gw.client.withApiKey(key).spawnDatabase('lane-burst-db', { tenant: 'lane-burst' });
    await nextSecond();
    // A settings change restarts the worker: the burst finds its channel closed, and waits for it together.
    await gw.client.updateDatabaseSettings('lane-burst-db', { statement_timeout_ms: 5000 });
    await nextSecond();
    const replies = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const reply = await fetch(`${gw.url}/api/db/lane-burst-db/query`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': key },
          body: '{"sql":"SELECT 1 AS one"}',
        });
        const body = (await reply.json()) as { error?: { message: string } };
        return { status: reply.status, remaining: reply.headers.get('x-ratelimit-remaining'), message: body.error?.message ?? '' };
      }),
    );
    const refused = replies.filter((r) => r.status === 429);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
    expect(refused).toHaveLength(5);
    for (const refusal of refused) expect(refusal.message).toContain("Tenant 'lane-burst' is over its quota");
    // Ten requests, each counted once against the key's 10: every allowance from 9 down to 0 seen once.
    expect(replies.map((r) => Number(r.remaining)).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('the fast lane and a worker that cannot start (process runtime)', () => {
  it('answers the failure once, as the pipeline does, without starting the worker a second time', async () => {
    // A database whose worker never becomes ready: made with a real worker, then its gateway restarted with an entry
    // that never answers, and a short start deadline.
    const first = await startGateway({ runtime: 'process' });
    await first.client.spawnDatabase('lane-dead');
    await first.stop();
    const entry = path.join(tempDir(), 'never-ready.mjs');
    fs.writeFileSync(entry, 'setInterval(() => {}, 1000);\n');
    const env = { DBFORGE_WORKER_ENTRY: entry, DBFORGE_WORKER_START_TIMEOUT_MS: '1500' };
    const replies = [];
    for (const lane of ['true', 'false']) {
      const gw = await startGateway({ reuse: first, env: { ...env, DBFORGE_FAST_LANE: lane } });
      const started = Date.now();
      const reply = await fetch(`${gw.url}/api/db/lane-dead/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': gw.apiKey },
        body: '{"sql":"SELECT 1"}',
      });
      const elapsed = Date.now() - started;
      replies.push({ status: reply.status, code: reply.headers.get('x-dbforge-error-code'), body: (await reply.json()) as unknown });
      // One start attempt (1.5 s), not two.
      expect(elapsed, `lane ${lane}`).toBeLessThan(2900);
      await gw.stop();
    }
    expect(replies[0]!.status).toBe(503);
    expect(replies[0]).toEqual(replies[1]);
  });
});

describe('the fast lane and a worker without a channel (process runtime)', () => {
  it('hands its requests to the pipeline uncounted: limits and quotas count each request once', async () => {
    // A worker that refuses the channel's upgrade (as an older worker image does): its requests go over HTTP.
    const entry = path.join(tempDir(), 'no-channel.mjs');
    const worker = path.resolve(import.meta.dirname, '../../services/worker/dist/server.js');
    fs.writeFileSync(
      entry,
      "import http from 'node:http';\n" +
        'const emit = http.Server.prototype.emit;\n' +
        'http.Server.prototype.emit = function (event, request, socket, ...rest) {\n' +
        "  if (event === 'upgrade' && request.url === '/_dbforge/channel') {\n" +
        "    socket.end('HTTP/1.1 404 Not Found\\r\\nConnection: close\\r\\nContent-Length: 0\\r\\n\\r\\n');\n" +
        '    return true;\n' +
        '  }\n' +
        '  return emit.call(this, event, request, socket, ...rest);\n' +
        '};\n' +
        `await import(${JSON.stringify(worker)});\n`,
    );
    const sequences = [];
    for (const lane of ['true', 'false']) {
      const gw = await startGateway({ runtime: 'process', env: { DBFORGE_WORKER_ENTRY: entry, DBFORGE_FAST_LANE: lane } });
      await gw.client.request('POST', '/admin/tenants', { body: { id: 'nochan', name: 'no channel', quotas: { requests_per_second: 2 } } });
      await nextSecond();
      const key = await createKey(gw.client, 'nochan', { scope: 'admin' });
      await nextSecond();
      await gw.client.withApiKey(key).spawnDatabase('nochan-db', { tenant: 'nochan' });
      const before = await laneCount(gw);
      await nextSecond();
      sequences.push(await allowances(gw, 'nochan-db', key, 4));
      if (lane === 'true') expect((await laneCount(gw)) - before).toBe(0);
      await gw.stop();
    }
    expect(sequences[0]!.slice(0, 2).every((s) => s.startsWith('200 '))).toBe(true);
    expect(sequences[0]).toEqual(sequences[1]);
  });
});
