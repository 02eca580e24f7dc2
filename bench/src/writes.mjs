// Writes: single-row inserts through the query API and through the resources API (one connection, and many), and a
// 100,000-row insert through one batch call, against better-sqlite3 doing the same in-process with the same durability
// (the limit). The event log is on (the default), so every API write also records its event.
//
// The 100,000-row batch is timed BENCH_BATCH_RUNS times on each side (in-process and through the API, each run into
// the same table) and each side is reported by its median run; the API's first run, on a fresh worker, is reported
// beside it. A bulk insert's events are written out after it (while the worker is idle, or by the first read of the
// log): a read of the log right after the last run writes them all out, and is timed with the runs in an all-in rate.
//
// Environment: BENCH_BATCH_ROWS (100000), BENCH_BATCH_RUNS (5), BENCH_SINGLE_INSERTS (5000), BENCH_WRITE_CONNECTIONS
// (64), DBFORGE_SQLITE_SYNCHRONOUS as the gateway reads it (FULL by default).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import { checker, startBenchGateway } from './gateway.mjs';
import { tempDir } from './processes.mjs';

const BATCH_ROWS = Number(process.env.BENCH_BATCH_ROWS ?? 100_000);
const BATCH_RUNS = Math.max(1, Number(process.env.BENCH_BATCH_RUNS ?? 5));
const SINGLE = Number(process.env.BENCH_SINGLE_INSERTS ?? 5000);
const CONNECTIONS = Number(process.env.BENCH_WRITE_CONNECTIONS ?? 64);
const SYNCHRONOUS = process.env.DBFORGE_SQLITE_SYNCHRONOUS ?? 'FULL';
const CREATE = 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)';
const INSERT = 'INSERT INTO items (name, price) VALUES (?, ?)';
const RESOURCE = 'resource: products\nfields:\n  id:\n    type: primary_key\n  name:\n    type: string\n    required: true\n  price:\n    type: decimal\n';

function seconds(start) {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Times `run` BATCH_RUNS times, one after the other: the seconds of every run, in order. */
async function timedRuns(run) {
  const times = [];
  for (let i = 0; i < BATCH_RUNS; i++) {
    const start = process.hrtime.bigint();
    await run(i);
    times.push(seconds(start));
  }
  return times;
}

/** The limit: better-sqlite3 in this process, WAL and the same synchronous setting as the workers. */
function inProcess() {
  const dir = tempDir();
  const db = new Database(path.join(dir, 'data.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${SYNCHRONOUS}`);
  db.exec(CREATE);
  const insert = db.prepare(INSERT);
  const batchTimes = [];
  for (let run = 0; run < BATCH_RUNS; run++) {
    const start = process.hrtime.bigint();
    db.transaction(() => {
      for (let i = 0; i < BATCH_ROWS; i++) insert.run(`item ${i}`, i / 10);
    })();
    batchTimes.push(seconds(start));
  }
  const batchRate = BATCH_ROWS / median(batchTimes);
  const start = process.hrtime.bigint();
  for (let i = 0; i < SINGLE; i++) insert.run(`single ${i}`, i);
  const singleRate = SINGLE / seconds(start);
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { batchRate, singleRate };
}

/**
 * A lean client for the single-row phases: undici's Pool with keep-alive connections, so that the client (on the same
 * cores as the gateway and the worker) costs as little as it can. Fetch costs several times more per request.
 */
function poster(pool, headers) {
  return async (urlPath, body) => {
    const response = await pool.request({ method: 'POST', path: urlPath, headers, body: JSON.stringify(body) });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`POST ${urlPath}: ${response.statusCode} ${text.slice(0, 500)}`);
    return text;
  };
}

/** `SINGLE` requests made by `connections` clients at once; answers requests per second. */
async function rate(connections, request) {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < SINGLE) await request(next++);
    }),
  );
  return SINGLE / seconds(start);
}

const gw = await startBenchGateway({ DBFORGE_SQLITE_SYNCHRONOUS: SYNCHRONOUS });
const { check, finish } = checker();
try {
  const base = inProcess();
  await gw.call('POST', '/admin/databases/spawn/writes');
  await gw.call('POST', '/api/db/writes/query', { sql: CREATE });
  const yaml = await fetch(`${gw.url}/api/db/writes/schema`, { method: 'PUT', headers: { ...gw.headers, 'content-type': 'application/yaml' }, body: RESOURCE });
  if (!yaml.ok) throw new Error(`PUT schema: ${yaml.status} ${await yaml.text()}`);

  // The bulk form: one statement with a parameter set per row. The client's JSON.stringify is part of the time.
  const paramSets = Array.from({ length: BATCH_ROWS }, (_, i) => [`item ${i}`, i / 10]);
  const bulk = { statements: [{ sql: INSERT, param_sets: paramSets }] };
  const bulkBatch = (name) => async () => {
    const reply = await gw.call('POST', `/api/db/${name}/batch`, bulk);
    if (reply.rows_affected !== BATCH_ROWS) throw new Error(`the batch inserted ${reply.rows_affected} rows`);
  };
  const batchTimes = await timedRuns(bulkBatch('writes'));
  const batchRate = BATCH_ROWS / median(batchTimes);
  const batchFirstRate = BATCH_ROWS / batchTimes[0];
  // A bulk insert's events are reserved with it and written out while the worker is idle, or by the first read of the
  // log, whichever comes first (docs/ARCHITECTURE.md, "Bulk inserts and the event log"). Read at once after the last
  // batch, the log writes out the events of every run here: timed, and counted with the batches in the all-in rate.
  const readStart = process.hrtime.bigint();
  const firstPage = await gw.call('GET', '/api/db/writes/events?table=items&limit=1');
  const writeOut = seconds(readStart);
  if (firstPage.data?.[0]?.after?.name !== 'item 0') throw new Error(`the first event is not the first row's: ${JSON.stringify(firstPage).slice(0, 300)}`);
  const batchAllInRate = (BATCH_RUNS * BATCH_ROWS) / (batchTimes.reduce((a, b) => a + b, 0) + writeOut);

  // The same rows as a list of statement objects, one per row (the form the batch had first; not a target).
  const statements = paramSets.map((params) => ({ sql: INSERT, params }));
  let start = process.hrtime.bigint();
  const listed = await gw.call('POST', '/api/db/writes/batch', { statements });
  const batchListRate = BATCH_ROWS / seconds(start);
  if (listed.rows_affected !== BATCH_ROWS || listed.results.length !== BATCH_ROWS) throw new Error(`the batch inserted ${listed.rows_affected} rows`);

  // The bulk batch into a database without the event log: what the event log's triggers cost.
  await gw.call('POST', '/admin/databases/spawn/writes-nolog', { event_log: false });
  await gw.call('POST', '/api/db/writes-nolog/query', { sql: CREATE });
  const noLogTimes = await timedRuns(bulkBatch('writes-nolog'));
  const batchNoLogRate = BATCH_ROWS / median(noLogTimes);

  const pool = new Pool(gw.url, { connections: CONNECTIONS });
  const post = poster(pool, gw.headers);
  const query = (tag) => (i) => post('/api/db/writes/query', { sql: INSERT, params: [`${tag} ${i}`, i] });
  const resource = (tag) => (i) => post('/api/db/writes/resources/products', { name: `${tag} ${i}`, price: i });
  const sqlOne = await rate(1, query('one'));
  const sqlMany = await rate(CONNECTIONS, query('many'));
  const resOne = await rate(1, resource('one'));
  const resMany = await rate(CONNECTIONS, resource('many'));
  await pool.close();

  // Every acknowledged write is there.
  const counted = await gw.call('POST', '/api/db/writes/query', { sql: 'SELECT (SELECT count(*) FROM items) AS items, (SELECT count(*) FROM products) AS products' });
  const expected = { items: (BATCH_RUNS + 1) * BATCH_ROWS + 2 * SINGLE, products: 2 * SINGLE };
  if (counted.data[0].items !== expected.items || counted.data[0].products !== expected.products) {
    throw new Error(`rows missing: ${JSON.stringify(counted.data[0])}, expected ${JSON.stringify(expected)}`);
  }

  const rows = [
    [`in-process better-sqlite3, one transaction (median of ${BATCH_RUNS})`, base.batchRate, 1],
    [`API, one batch call (${BATCH_ROWS} rows as param_sets; median of ${BATCH_RUNS})`, batchRate, batchRate / base.batchRate],
    ['API, the same, the first call (a fresh worker)', batchFirstRate, batchFirstRate / base.batchRate],
    [
      `API, the ${BATCH_RUNS} batch calls and then a read of the event log that writes their ${BATCH_RUNS * BATCH_ROWS} events out (${Math.round(writeOut * 1000)} ms)`,
      batchAllInRate,
      batchAllInRate / base.batchRate,
    ],
    ['API, the same rows as a statement object each', batchListRate, batchListRate / base.batchRate],
    [`API, the param_sets batch with the event log off (median of ${BATCH_RUNS})`, batchNoLogRate, batchNoLogRate / base.batchRate],
    ['in-process better-sqlite3, a transaction per row', base.singleRate, 1],
    ['query API, single-row inserts, 1 connection', sqlOne, sqlOne / base.singleRate],
    [`query API, single-row inserts, ${CONNECTIONS} connections`, sqlMany, sqlMany / base.singleRate],
    ['resources API, single-record creates, 1 connection', resOne, resOne / base.singleRate],
    [`resources API, single-record creates, ${CONNECTIONS} connections`, resMany, resMany / base.singleRate],
  ];
  process.stdout.write(`\nInserts into a SQLite table (synchronous=${SYNCHRONOUS}, event log on); ${BATCH_ROWS} rows in a batch, ${SINGLE} single-row inserts per line.\n\n`);
  process.stdout.write('| path | rows/s | of in-process |\n| --- | ---: | ---: |\n');
  for (const [label, value, ratio] of rows) process.stdout.write(`| ${label} | ${Math.round(value)} | ${(ratio * 100).toFixed(1)}% |\n`);
  process.stdout.write('\n');
  check('100,000-row batch through the API', batchRate >= 0.5 * base.batchRate, `${((batchRate / base.batchRate) * 100).toFixed(1)}% of in-process (target: at least 50%)`);
  check('single-row inserts through the query API', sqlMany > 5000, `${Math.round(sqlMany)}/s at ${CONNECTIONS} connections (target: above 5000/s)`);
  check('single-record creates through the resources API', resMany > 5000, `${Math.round(resMany)}/s at ${CONNECTIONS} connections (target: above 5000/s)`);
} finally {
  await gw.stop();
}
finish();
