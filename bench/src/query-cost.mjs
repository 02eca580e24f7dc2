// `npm run bench query-cost`: what one point select costs each process on the gateway path, in CPU time per request,
// and how busy the machine was meanwhile. No targets: this is the tool behind the query path's optimisation notes in
// docs/BENCHMARKS.md (run two builds alternately and compare), not a scenario of `npm run bench` by default.
//
// Per request, over one measured run: the gateway's CPU (all its threads, from /proc/PID/stat, so V8's helper threads
// and concurrent marking count) and its main thread's (the scheduler's own accounting, /proc/PID/schedstat) with the
// time that thread waited runnable in the run queue; the worker's likewise; the load generator's (autocannon, in this
// process). Then how idle the machine was, and, with BENCH_TRACE_GC=1, the gateway's scavenges and mark-compacts.
// Linux only (it reads /proc).
//
// Environment: BENCH_ROWS (100000), BENCH_CONNECTIONS (64), BENCH_DURATION seconds (8), BENCH_TRACE_GC (off).
import fs from 'node:fs';
import autocannon from 'autocannon';
import { startBenchGateway } from './gateway.mjs';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const TRACE_GC = process.env.BENCH_TRACE_GC === '1';

if (!fs.existsSync('/proc/self/schedstat')) {
  console.error('query-cost reads /proc/PID/stat and /proc/PID/schedstat: it runs on Linux only.');
  process.exit(2);
}

/** A process's CPU time in µs, all threads (utime + stime, in clock ticks of 10 ms). */
function processCpu(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** A process's main thread: time on a CPU and time waiting runnable, in µs. */
function mainThread(pid) {
  const [run, wait] = fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
  return { run: run / 1000, wait: wait / 1000 };
}

/** The machine's idle and total time, in clock ticks. */
function machine() {
  const ticks = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { idle: ticks[3] + ticks[4], all: ticks.reduce((sum, t) => sum + t, 0) };
}

/** The gateway's child processes (its workers, pooled ones included). */
function childrenOf(pid) {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === pid;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

function pointSelects(url, headers, duration) {
  return new Promise((resolve, reject) =>
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration,
        method: 'POST',
        headers,
        requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify({ sql: 'SELECT id, name, price FROM items WHERE id = ?', params: [1 + Math.floor(Math.random() * ROWS)] }) }) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
}

const gateway = await startBenchGateway({}, TRACE_GC ? ['--trace-gc'] : []);
try {
  const gc = { counting: false, scavenges: 0, markCompacts: 0 };
  // Read all the time (a pipe nobody reads would stop the gateway once full); counted only while measuring.
  gateway.stdout.on('data', (chunk) => {
    if (!gc.counting) return;
    const text = String(chunk);
    gc.scavenges += (text.match(/Scavenge/g) ?? []).length;
    gc.markCompacts += (text.match(/Mark-Compact/g) ?? []).length;
  });
  await gateway.call('POST', '/admin/databases/spawn/bench', { event_log: false });
  await gateway.call('POST', '/api/db/bench/batch', {
    statements: [
      { sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)' },
      {
        sql: `INSERT INTO items (id, name, price) SELECT value, 'item ' || value, (value % 1000) / 10.0 FROM (WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < ${ROWS}) SELECT value FROM s)`,
      },
    ],
  });
  const url = `${gateway.url}/api/db/bench/query`;
  await pointSelects(url, gateway.headers, 2);
  // The database's worker: the busiest of the gateway's children after the warm-up (pooled workers idle).
  const worker = childrenOf(gateway.pid).sort((a, b) => processCpu(b) - processCpu(a))[0];
  if (worker === undefined) throw new Error('the gateway has no worker process: is it on the process runtime?');

  const before = { gateway: processCpu(gateway.pid), gatewayMain: mainThread(gateway.pid), worker: processCpu(worker), workerMain: mainThread(worker), self: process.cpuUsage(), machine: machine() };
  gc.counting = true;
  const result = await pointSelects(url, gateway.headers, DURATION);
  gc.counting = false;
  const self = process.cpuUsage(before.self);
  const gatewayMain = mainThread(gateway.pid);
  const workerMain = mainThread(worker);
  const after = machine();
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx replies and ${result.errors} errors: the measurement is not valid`);

  const n = result.requests.total;
  const us = (value) => (value / n).toFixed(1);
  const lines = [
    `Point selects by primary key on a ${ROWS.toLocaleString('en')}-row table through the gateway, ${CONNECTIONS} connections, ${DURATION} s.`,
    '',
    `requests/s ${Math.round(n / result.duration)}, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
    '',
    '| process | CPU µs per request (all threads) | main thread µs | waiting runnable µs |',
    '| --- | ---: | ---: | ---: |',
    `| gateway | ${us(processCpu(gateway.pid) - before.gateway)} | ${us(gatewayMain.run - before.gatewayMain.run)} | ${us(gatewayMain.wait - before.gatewayMain.wait)} |`,
    `| worker | ${us(processCpu(worker) - before.worker)} | ${us(workerMain.run - before.workerMain.run)} | ${us(workerMain.wait - before.workerMain.wait)} |`,
    `| load generator | ${us(self.user + self.system)} | | |`,
    '',
    `machine idle: ${(((after.idle - before.machine.idle) * 100) / (after.all - before.machine.all)).toFixed(1)}%`,
  ];
  if (TRACE_GC) lines.push(`gateway garbage collection: ${gc.scavenges} scavenges, ${gc.markCompacts} mark-compacts`);
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await gateway.stop();
}
