// `npm run bench`: point selects through the gateway, against the same worker called directly, against a bare
// Fastify hello-world (the ceiling for one HTTP hop on this machine). All measured in this one run; every figure is
// reported as a ratio to the ceiling, because these machines are shared and noisy.
//
// Environment: BENCH_ROWS (100000), BENCH_CONNECTIONS (1,64), BENCH_DURATION seconds (10).
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { ROOT, secret, startProcess, tempDir } from './processes.mjs';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,64').split(',').map(Number);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const KEY = `bench-${secret()}`;

function seed(file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)');
  const insert = db.prepare('INSERT INTO items (id, name, price) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= ROWS; i++) insert.run(i, `item ${i}`, (i % 1000) / 10);
  })();
  db.close();
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

function summary(result) {
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${result.non2xx} non-2xx replies and ${result.errors} errors: the measurement is not valid`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const work = tempDir();
const stops = [];
try {
  // The same rows twice: seeded in-process for the worker called directly, loaded through the API for the gateway's.
  process.stdout.write(`seeding ${ROWS} rows...\n`);
  seed(path.join(work, 'direct-data', 'data.sqlite'));

  const hello = await startProcess([path.join(ROOT, 'bench/src/hello-world.mjs')], {}, /listening (\d+)/, 'hello-world');
  stops.push(hello.stop);

  const workerSecret = secret();
  const direct = await startProcess(
    [path.join(ROOT, 'services/worker/dist/server.js')],
    {
      DBFORGE_WORKER_DB_NAME: 'bench',
      DBFORGE_WORKER_DATA_DIR: path.join(work, 'direct-data'),
      DBFORGE_WORKER_SECRET: workerSecret,
      DBFORGE_WORKER_HOST: '127.0.0.1',
      DBFORGE_WORKER_PORT: '0',
      DBFORGE_LOG_LEVEL: 'info',
    },
    /Server listening at http:\/\/127\.0\.0\.1:(\d+)/,
    'worker',
  );
  stops.push(direct.stop);

  const gateway = await startProcess(
    [path.join(ROOT, 'services/gateway/dist/server.js')],
    {
      DBFORGE_PORT: '0',
      DBFORGE_DATA_DIR: path.join(work, 'gateway-data'),
      DBFORGE_SECRETS_DIR: path.join(work, 'secrets'),
      DBFORGE_ADMIN_KEY: KEY,
      DBFORGE_LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    },
    /listening on http:\/\/[^:]+:(\d+)/,
    'gateway',
  );
  stops.push(gateway.stop);
  const gatewayUrl = `http://127.0.0.1:${gateway.match[1]}`;
  const spawned = await fetch(`${gatewayUrl}/admin/databases/spawn/bench`, { method: 'POST', headers: { 'x-api-key': KEY } });
  if (!spawned.ok) throw new Error(`spawn failed: ${await spawned.text()}`);
  const load = await fetch(`${gatewayUrl}/api/db/bench/batch`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({
      statements: [
        { sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)' },
        {
          sql: `INSERT INTO items (id, name, price) SELECT value, 'item ' || value, (value % 1000) / 10.0 FROM (WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < ${ROWS}) SELECT value FROM s)`,
        },
      ],
    }),
  });
  if (!load.ok) throw new Error(`loading rows failed: ${await load.text()}`);

  const results = [];
  for (const connections of CONNECTIONS) {
    process.stdout.write(`measuring at ${connections} connection(s), ${DURATION} s each...\n`);
    const ceiling = summary(await pointSelect(`http://127.0.0.1:${hello.match[1]}/`, connections));
    const worker = summary(
      await pointSelect(`http://127.0.0.1:${direct.match[1]}/api/db/bench/query`, connections, { 'x-dbforge-worker-secret': workerSecret }),
    );
    const viaGateway = summary(await pointSelect(`${gatewayUrl}/api/db/bench/query`, connections, { 'x-api-key': KEY }));
    results.push({ connections, ceiling, worker, gateway: viaGateway });
  }

  const pct = (a, b) => `${((a / b) * 100).toFixed(1)}%`;
  const lines = [];
  lines.push(`Point selects by primary key on a ${ROWS.toLocaleString('en')}-row SQLite table, ${DURATION} s per measurement.`);
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
    lines.push(`| ${r.connections} | gateway added p50 | | ${(r.gateway.p50 - r.worker.p50).toFixed(2)} | | | |`);
  }
  const report = lines.join('\n');
  process.stdout.write(`\n${report}\n`);
  const out = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, `query-path-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ rows: ROWS, duration: DURATION, results }, null, 2));
  process.stdout.write(`\nraw results: ${path.relative(ROOT, file)}\n`);
} finally {
  for (const stop of stops.reverse()) await stop();
  fs.rmSync(work, { recursive: true, force: true });
}
