// Writes: single-row inserts through the query API (one connection and many), and a 100,000-row insert through one
// batch call, against better-sqlite3 doing the same in-process with the same durability (the limit).
//
// Environment: BENCH_BATCH_ROWS (100000), BENCH_SINGLE_INSERTS (5000), BENCH_WRITE_CONNECTIONS (16),
// DBFORGE_SQLITE_SYNCHRONOUS as the gateway reads it (FULL by default).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { checker, startBenchGateway } from './gateway.mjs';
import { tempDir } from './processes.mjs';

const BATCH_ROWS = Number(process.env.BENCH_BATCH_ROWS ?? 100_000);
const SINGLE = Number(process.env.BENCH_SINGLE_INSERTS ?? 5000);
const CONNECTIONS = Number(process.env.BENCH_WRITE_CONNECTIONS ?? 16);
const SYNCHRONOUS = process.env.DBFORGE_SQLITE_SYNCHRONOUS ?? 'FULL';
const CREATE = 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)';
const INSERT = 'INSERT INTO items (name, price) VALUES (?, ?)';

function seconds(start) {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** The limit: better-sqlite3 in this process, WAL and the same synchronous setting as the workers. */
function inProcess() {
  const dir = tempDir();
  const db = new Database(path.join(dir, 'data.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${SYNCHRONOUS}`);
  db.exec(CREATE);
  const insert = db.prepare(INSERT);
  let start = process.hrtime.bigint();
  db.transaction(() => {
    for (let i = 0; i < BATCH_ROWS; i++) insert.run(`item ${i}`, i / 10);
  })();
  const batchRate = BATCH_ROWS / seconds(start);
  start = process.hrtime.bigint();
  for (let i = 0; i < SINGLE; i++) insert.run(`single ${i}`, i);
  const singleRate = SINGLE / seconds(start);
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { batchRate, singleRate };
}

const gw = await startBenchGateway({ DBFORGE_SQLITE_SYNCHRONOUS: SYNCHRONOUS });
const { check, finish } = checker();
try {
  const base = inProcess();
  await gw.call('POST', '/admin/databases/spawn/writes');
  await gw.call('POST', '/api/db/writes/query', { sql: CREATE });

  const statements = Array.from({ length: BATCH_ROWS }, (_, i) => ({ sql: INSERT, params: [`item ${i}`, i / 10] }));
  let start = process.hrtime.bigint();
  const reply = await gw.call('POST', '/api/db/writes/batch', { statements });
  const batchRate = BATCH_ROWS / seconds(start);
  if (reply.rows_affected !== BATCH_ROWS) throw new Error(`the batch inserted ${reply.rows_affected} rows`);

  start = process.hrtime.bigint();
  for (let i = 0; i < SINGLE; i++) await gw.call('POST', '/api/db/writes/query', { sql: INSERT, params: [`one ${i}`, i] });
  const sequentialRate = SINGLE / seconds(start);

  let next = 0;
  start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < SINGLE) {
        const i = next++;
        await gw.call('POST', '/api/db/writes/query', { sql: INSERT, params: [`many ${i}`, i] });
      }
    }),
  );
  const concurrentRate = SINGLE / seconds(start);

  const rows = [
    ['in-process better-sqlite3, one transaction', base.batchRate, 1],
    ['API, one batch call', batchRate, batchRate / base.batchRate],
    ['in-process better-sqlite3, a transaction per row', base.singleRate, 1],
    ['API, single-row inserts, 1 connection', sequentialRate, sequentialRate / base.singleRate],
    [`API, single-row inserts, ${CONNECTIONS} connections`, concurrentRate, concurrentRate / base.singleRate],
  ];
  process.stdout.write(`\nInserts into a SQLite table (synchronous=${SYNCHRONOUS}); ${BATCH_ROWS} rows in a batch, ${SINGLE} single-row inserts.\n\n`);
  process.stdout.write('| path | rows/s | of in-process |\n| --- | ---: | ---: |\n');
  for (const [label, rate, ratio] of rows) process.stdout.write(`| ${label} | ${Math.round(rate)} | ${(ratio * 100).toFixed(1)}% |\n`);
  process.stdout.write('\n');
  check('100,000-row batch through the API', batchRate >= 0.5 * base.batchRate, `${((batchRate / base.batchRate) * 100).toFixed(1)}% of in-process (target: at least 50%)`);
  check('single-row API inserts', concurrentRate > 5000, `${Math.round(concurrentRate)}/s at ${CONNECTIONS} connections (target: above 5000/s)`);
} finally {
  await gw.stop();
}
finish();
