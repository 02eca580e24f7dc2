// `npm run bench`: point selects through the gateway, against the same worker called directly, against a bare
// Fastify hello-world (the ceiling for one HTTP hop on this machine). All measured in this one run; every figure is
// reported as a ratio to the ceiling, because these machines are shared and noisy.
//
// Each connection count is measured in BENCH_ROUNDS rounds (3) of ceiling, direct worker and gateway in turn, each
// BENCH_DURATION seconds (5) per round, so that a change in the machine's load during the run weighs on all three alike;
// requests/s is over all rounds, p50 the median round's and p99 the worst round's.
//
// Environment: BENCH_ROWS (1000000), BENCH_CONNECTIONS (1,16,64), BENCH_ROUNDS (3), BENCH_DURATION seconds per round
// (5), DBFORGE_WORKER_CHANNEL, DBFORGE_FAST_LANE and DBFORGE_WORKER_POOL_SIZE (passed on to the gateway).
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { ROOT, secret, startProcess, tempDir } from './processes.mjs';
import { checker, GATEWAY_ARGS } from './gateway.mjs';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,16,64').split(',').map(Number);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const KEY = `bench-${secret()}`;
/** Called directly, the worker needs what the gateway would send: its secret and the acting identity. */
const ACTOR = JSON.stringify({ id: 'bench', kind: 'platform', roles: ['admin'], readonly: false });

/** The rows, loaded through an API's batch endpoint (the same statements for both copies). */
async function loadRows(batchUrl, headers) {
  const response = await fetch(batchUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      statements: [
        { sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)' },
        {
          sql: `INSERT INTO items (id, name, price) SELECT value, 'item ' || value, (value % 1000) / 10.0 FROM (WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < ${ROWS}) SELECT value FROM s)`,
        },
      ],
    }),
  });
  if (!response.ok) throw new Error(`loading rows through ${batchUrl} failed: ${await response.text()}`);
}

function pointSelect(url, connections, headers = {}) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections,
        duration: DURATION,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        requests: [
          {
            setupRequest: (request) => ({
              ...request,
              body: JSON.stringify({ sql: 'SELECT id, name, price FROM items WHERE id = ?', params: [1 + Math.floor(Math.random() * ROWS)] }),
            }),
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/**
 * Latency at one connection with microsecond resolution (autocannon reports whole milliseconds): sequential requests
 * over one keep-alive connection, timed with hrtime.
 */
async function preciseLatency(url, headers, count = 2000) {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: 1 });
  const samples = [];
  try {
    for (let i = 0; i < count; i++) {
      const body = JSON.stringify({ sql: 'SELECT id, name, price FROM items WHERE id = ?', params: [1 + Math.floor(Math.random() * ROWS)] });
      const start = process.hrtime.bigint();
      const response = await pool.request({ path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      await response.body.arrayBuffer();
      if (response.statusCode !== 200) throw new Error(`latency sample answered ${response.statusCode}`);
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  } finally {
    await pool.close();
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length * 0.5)], p99: samples[Math.floor(samples.length * 0.99)] };
}

/** One target's rounds as one figure: requests/s over all rounds, the median round's p50, the worst round's p99. */
function summary(rounds) {
  for (const result of rounds) {
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`${result.non2xx} non-2xx replies and ${result.errors} errors: the measurement is not valid`);
    }
  }
  const p50s = rounds.map((r) => r.latency.p50).sort((a, b) => a - b);
  return {
    rps: rounds.reduce((sum, r) => sum + r.requests.total, 0) / rounds.reduce((sum, r) => sum + r.duration, 0),
    p50: p50s[Math.floor(p50s.length / 2)],
    p99: Math.max(...rounds.map((r) => r.latency.p99)),
  };
}

const work = tempDir();
const stops = [];
try {
  fs.mkdirSync(path.join(work, 'direct-data'));
  const hello = await startProcess([path.join(ROOT, 'bench/src/hello-world.mjs')], {}, /listening (\d+)/, 'hello-world');
  stops.push(hello.stop);

  const workerSecret = secret();
  const directHeaders = { 'x-dbforge-worker-secret': workerSecret, 'x-dbforge-actor': ACTOR };
  const direct = await startProcess(
    [path.join(ROOT, 'services/worker/dist/server.js')],
    {
      DBFORGE_WORKER_DB_NAME: 'bench',
      DBFORGE_WORKER_DATA_DIR: path.join(work, 'direct-data'),
      DBFORGE_WORKER_SECRET: workerSecret,
      DBFORGE_WORKER_HOST: '127.0.0.1',
      DBFORGE_WORKER_PORT: '0',
      DBFORGE_LOG_LEVEL: 'info',
      // As the gateway's copy below: both hold the same rows and nothing else.
      DBFORGE_EVENT_LOG: 'false',
    },
    /Server listening at http:\/\/127\.0\.0\.1:(\d+)/,
    'worker',
  );
  stops.push(direct.stop);

  const gateway = await startProcess(
    GATEWAY_ARGS,
    {
      DBFORGE_PORT: '0',
      DBFORGE_DATA_DIR: path.join(work, 'gateway-data'),
      DBFORGE_SECRETS_DIR: path.join(work, 'secrets'),
      DBFORGE_ADMIN_KEY: KEY,
      DBFORGE_LOG_LEVEL: 'warn',
      // The benchmark is the only client: the per-key limit would cap what it measures.
      DBFORGE_RATE_LIMIT_PER_SECOND: '0',
      NODE_ENV: 'production',
      // Set to false to measure the gateway forwarding over HTTP only (the optimisation log's "before").
      ...(process.env.DBFORGE_WORKER_CHANNEL ? { DBFORGE_WORKER_CHANNEL: process.env.DBFORGE_WORKER_CHANNEL } : {}),
      ...(process.env.DBFORGE_WORKER_POOL_SIZE ? { DBFORGE_WORKER_POOL_SIZE: process.env.DBFORGE_WORKER_POOL_SIZE } : {}),
      // Set to false to measure the gateway without its fast lane (every request through Fastify's pipeline).
      ...(process.env.DBFORGE_FAST_LANE ? { DBFORGE_FAST_LANE: process.env.DBFORGE_FAST_LANE } : {}),
    },
    /listening on http:\/\/[^:]+:(\d+)/,
    'gateway',
  );
  stops.push(gateway.stop);
  const gatewayUrl = `http://127.0.0.1:${gateway.match[1]}`;
  // Without the event log, as the direct worker's: with it, the gateway's copy would also hold a million events.
  const spawned = await fetch(`${gatewayUrl}/admin/databases/spawn/bench`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ event_log: false }),
  });
  if (!spawned.ok) throw new Error(`spawn failed: ${await spawned.text()}`);
  // Both copies are loaded by the same batch, each through its own front door, so that both files (and their
  // write-ahead logs) are in the same state when the measurements start.
  await loadRows(`${gatewayUrl}/api/db/bench/batch`, { 'x-api-key': KEY });
  await loadRows(`http://127.0.0.1:${direct.match[1]}/api/db/bench/batch`, directHeaders);

  const workerUrl = `http://127.0.0.1:${direct.match[1]}/api/db/bench/query`;
  const gatewayQueryUrl = `${gatewayUrl}/api/db/bench/query`;
  const latency = {
    ceiling: await preciseLatency(`http://127.0.0.1:${hello.match[1]}/`, {}),
    worker: await preciseLatency(workerUrl, directHeaders),
    gateway: await preciseLatency(gatewayQueryUrl, { 'x-api-key': KEY }),
  };
  const results = [];
  for (const connections of CONNECTIONS) {
    process.stdout.write(`measuring at ${connections} connection(s), ${ROUNDS} round(s) of ${DURATION} s each...\n`);
    const rounds = { ceiling: [], worker: [], gateway: [] };
    for (let round = 0; round < ROUNDS; round++) {
      rounds.ceiling.push(await pointSelect(`http://127.0.0.1:${hello.match[1]}/`, connections));
      rounds.worker.push(await pointSelect(workerUrl, connections, directHeaders));
      rounds.gateway.push(await pointSelect(gatewayQueryUrl, connections, { 'x-api-key': KEY }));
    }
    const [ceiling, worker, viaGateway] = [summary(rounds.ceiling), summary(rounds.worker), summary(rounds.gateway)];
    results.push({ connections, ceiling, worker, gateway: viaGateway });
  }

  const pct = (a, b) => `${((a / b) * 100).toFixed(1)}%`;
  const lines = [];
  lines.push(`Point selects by primary key on a ${ROWS.toLocaleString('en')}-row SQLite table, ${ROUNDS} round(s) of ${DURATION} s per target, in turn.`);
  lines.push('');
  lines.push('| connections | target | requests/s | p50 ms | p99 ms | of ceiling | of direct worker |');
  lines.push('| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    for (const [label, s] of [
      ['hello-world (ceiling)', r.ceiling],
      ['worker, direct', r.worker],
      ['gateway', r.gateway],
    ]) {
      lines.push(
        `| ${r.connections} | ${label} | ${Math.round(s.rps)} | ${s.p50} | ${s.p99} | ${pct(s.rps, r.ceiling.rps)} | ${label === 'hello-world (ceiling)' ? '' : pct(s.rps, r.worker.rps)} |`,
      );
    }
  }
  lines.push('');
  lines.push('Latency at one connection, 2,000 sequential requests each, timed with hrtime:');
  lines.push('');
  lines.push('| target | p50 ms | p99 ms |');
  lines.push('| --- | ---: | ---: |');
  for (const [label, l] of [
    ['hello-world (ceiling)', latency.ceiling],
    ['worker, direct', latency.worker],
    ['gateway', latency.gateway],
  ]) {
    lines.push(`| ${label} | ${l.p50.toFixed(3)} | ${l.p99.toFixed(3)} |`);
  }
  lines.push(`| gateway added | ${(latency.gateway.p50 - latency.worker.p50).toFixed(3)} | ${(latency.gateway.p99 - latency.worker.p99).toFixed(3)} |`);
  const report = lines.join('\n');
  process.stdout.write(`\n${report}\n`);
  const out = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, `query-path-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ rows: ROWS, rounds: ROUNDS, duration: DURATION, results, latency }, null, 2));
  process.stdout.write(`\nraw results: ${path.relative(ROOT, file)}\n\n`);

  // The performance issue's targets, at 64 connections when measured.
  const { check, finish } = checker();
  const at64 = results.find((r) => r.connections === 64);
  if (at64) {
    check('gateway vs worker direct at 64 connections', at64.gateway.rps >= 0.8 * at64.worker.rps, `${pct(at64.gateway.rps, at64.worker.rps)} (target: at least 80%)`);
    check('gateway vs hello-world at 64 connections', at64.gateway.rps >= 0.35 * at64.ceiling.rps, `${pct(at64.gateway.rps, at64.ceiling.rps)} (target: at least 35%)`);
    check('gateway p99 at 64 connections', at64.gateway.p99 < 15, `${at64.gateway.p99} ms (target: under 15 ms)`);
  }
  const added = latency.gateway.p50 - latency.worker.p50;
  check('latency the gateway adds (p50, one connection)', added < 1, `${added.toFixed(3)} ms (target: under 1 ms)`);
  finish();
} finally {
  for (const stop of stops.reverse()) await stop();
  fs.rmSync(work, { recursive: true, force: true });
}
