// Analytics: a GROUP BY over generated rows in a DuckDB database through the query API, against DuckDB doing the same
// query in-process on the same data. Environment: BENCH_ANALYTICS_ROWS (100000000), BENCH_ANALYTICS_RUNS (5).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT, tempDir } from './processes.mjs';
import { checker, percentile, startBenchGateway } from './gateway.mjs';

const ROWS = Number(process.env.BENCH_ANALYTICS_ROWS ?? 100_000_000);
const RUNS = Number(process.env.BENCH_ANALYTICS_RUNS ?? 5);
const GENERATE = `CREATE TABLE facts AS SELECT i % 1000 AS k, i % 97 AS v FROM range(${ROWS}) t(i)`;
const QUERY = 'SELECT k, sum(v) AS total, count(*) AS n FROM facts GROUP BY k ORDER BY k';

// DuckDB is the engine package's dependency: load it from there, as the worker does.
const require = createRequire(path.join(ROOT, 'packages/engine/package.json'));
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));

async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const { check, finish } = checker();
const dir = tempDir();
const instance = await DuckDBInstance.create(path.join(dir, 'facts.duckdb'));
const connection = await instance.connect();
process.stdout.write(`generating ${ROWS.toLocaleString('en')} rows in-process and through the API...\n`);
await connection.run(GENERATE);
const inProcess = [];
for (let i = 0; i < RUNS; i++) inProcess.push(await timed(async () => (await connection.runAndReadAll(QUERY)).getRows()));
connection.closeSync();
instance.closeSync();

const gw = await startBenchGateway({ DBFORGE_STATEMENT_TIMEOUT_MS: '600000' });
try {
  await gw.call('POST', '/admin/databases/spawn/facts', { engine: 'duckdb', statement_timeout_ms: 600000, memory_mb: 8192 });
  await gw.call('POST', '/api/db/facts/query', { sql: GENERATE });
  const api = [];
  for (let i = 0; i < RUNS; i++) {
    api.push(
      await timed(async () => {
        const reply = await gw.call('POST', '/api/db/facts/query', { sql: QUERY });
        if (reply.rows_affected !== 1000) throw new Error(`expected 1000 groups, got ${reply.rows_affected}`);
      }),
    );
  }
  const base = percentile(inProcess, 50);
  const through = percentile(api, 50);
  process.stdout.write(`\n${QUERY} over ${ROWS.toLocaleString('en')} rows, median of ${RUNS} runs.\n\n`);
  process.stdout.write('| path | median ms | rows/s | vs in-process |\n| --- | ---: | ---: | ---: |\n');
  process.stdout.write(`| DuckDB in-process | ${base.toFixed(1)} | ${Math.round(ROWS / (base / 1000)).toLocaleString('en')} | 1.00x |\n`);
  process.stdout.write(`| query API | ${through.toFixed(1)} | ${Math.round(ROWS / (through / 1000)).toLocaleString('en')} | ${(through / base).toFixed(2)}x |\n\n`);
  check('DuckDB GROUP BY through the API', through <= 1.25 * base, `${(through / base).toFixed(2)}x the in-process time (target: within 1.25x)`);
} finally {
  await gw.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
finish();
