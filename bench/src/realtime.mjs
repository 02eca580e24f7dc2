// Realtime and the event log: (1) write throughput of single-row inserts and of a batch with the event log on, against
// the same writes to a database whose event log is off (a table with no log); (2) commit-to-delivery latency of a
// change (p50, p99) at 1,000 WebSocket subscribers through the gateway, against one subscriber, in the same run.
//
// Environment: BENCH_EVENT_INSERTS (3000), BENCH_EVENT_BATCH_ROWS (20000), BENCH_WRITE_CONNECTIONS (16),
// BENCH_SUBSCRIBERS (1000), BENCH_FANOUT_WRITES (100).
import WebSocket from 'ws';
import { checker, percentile, startBenchGateway } from './gateway.mjs';

const INSERTS = Number(process.env.BENCH_EVENT_INSERTS ?? 3000);
const BATCH_ROWS = Number(process.env.BENCH_EVENT_BATCH_ROWS ?? 20_000);
const CONNECTIONS = Number(process.env.BENCH_WRITE_CONNECTIONS ?? 16);
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const FANOUT_WRITES = Number(process.env.BENCH_FANOUT_WRITES ?? 100);
const CREATE = 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)';
const INSERT = 'INSERT INTO items (name, price) VALUES (?, ?)';

const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;

async function writeRates(gw, db) {
  await gw.call('POST', `/api/db/${db}/query`, { sql: CREATE });
  let next = 0;
  let start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < INSERTS) {
        const i = next++;
        await gw.call('POST', `/api/db/${db}/query`, { sql: INSERT, params: [`one ${i}`, i] });
      }
    }),
  );
  const single = INSERTS / seconds(start);
  const statements = Array.from({ length: BATCH_ROWS }, (_, i) => ({ sql: INSERT, params: [`item ${i}`, i / 10] }));
  start = process.hrtime.bigint();
  await gw.call('POST', `/api/db/${db}/batch`, { statements });
  const batch = BATCH_ROWS / seconds(start);
  return { single, batch };
}

function subscribe(gw, db, count) {
  const url = `${gw.url.replace('http', 'ws')}/api/db/${db}/realtime?resource=ticks`;
  const latencies = [];
  const sockets = [];
  const open = [];
  for (let i = 0; i < count; i++) {
    const socket = new WebSocket(url, { headers: { 'x-api-key': gw.key }, perMessageDeflate: false });
    sockets.push(socket);
    open.push(
      new Promise((resolve, reject) => {
        socket.on('message', (data) => {
          const message = JSON.parse(String(data));
          if (message.type === 'ready') resolve();
          // Commit to delivery: the event's commit time (the worker's clock, this machine's) to its arrival here.
          else if (message.type === 'event') latencies.push(Date.now() - Date.parse(message.event.at));
        });
        socket.once('error', reject);
      }),
    );
  }
  return { latencies, ready: Promise.all(open), close: () => sockets.forEach((s) => s.terminate()) };
}

async function fanout(gw, db, count) {
  await gw.call('POST', `/api/db/${db}/query`, { sql: 'CREATE TABLE ticks (id INTEGER PRIMARY KEY, n INTEGER)' });
  const subscribers = subscribe(gw, db, count);
  await subscribers.ready;
  for (let n = 0; n < FANOUT_WRITES; n++) {
    await gw.call('POST', `/api/db/${db}/query`, { sql: 'INSERT INTO ticks (n) VALUES (?)', params: [n] });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const deadline = Date.now() + 30_000;
  while (subscribers.latencies.length < count * FANOUT_WRITES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  subscribers.close();
  const { latencies } = subscribers;
  return { delivered: latencies.length, expected: count * FANOUT_WRITES, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const gw = await startBenchGateway();
const { check, finish } = checker();
try {
  await gw.call('POST', '/admin/databases/spawn/log_on');
  await gw.call('POST', '/admin/databases/spawn/log_off', { event_log: false });
  const off = await writeRates(gw, 'log_off');
  const on = await writeRates(gw, 'log_on');
  process.stdout.write(`\nWrites with the event log on against a table with no log (${INSERTS} single-row inserts at ${CONNECTIONS} connections; one ${BATCH_ROWS}-row batch).\n\n`);
  process.stdout.write('| path | log off rows/s | log on rows/s | on / off |\n| --- | ---: | ---: | ---: |\n');
  process.stdout.write(`| single-row inserts | ${Math.round(off.single)} | ${Math.round(on.single)} | ${((on.single / off.single) * 100).toFixed(1)}% |\n`);
  process.stdout.write(`| one batch | ${Math.round(off.batch)} | ${Math.round(on.batch)} | ${((on.batch / off.batch) * 100).toFixed(1)}% |\n`);

  await gw.call('POST', '/admin/databases/spawn/fan_one');
  await gw.call('POST', '/admin/databases/spawn/fan_many');
  const one = await fanout(gw, 'fan_one', 1);
  const many = await fanout(gw, 'fan_many', SUBSCRIBERS);
  process.stdout.write(`\nCommit-to-delivery latency through the gateway (${FANOUT_WRITES} changes, one every 20 ms; milliseconds, the event's commit time to its arrival).\n\n`);
  process.stdout.write('| subscribers | delivered | p50 ms | p99 ms |\n| ---: | ---: | ---: | ---: |\n');
  process.stdout.write(`| 1 (baseline) | ${one.delivered}/${one.expected} | ${one.p50} | ${one.p99} |\n`);
  process.stdout.write(`| ${SUBSCRIBERS} | ${many.delivered}/${many.expected} | ${many.p50} | ${many.p99} |\n\n`);
  check('every change delivered to every subscriber', many.delivered === many.expected && one.delivered === one.expected, `${many.delivered}/${many.expected}`);
  check('single-row inserts with the event log', on.single >= 0.5 * off.single, `${((on.single / off.single) * 100).toFixed(1)}% of the rate without a log (target: at least 50%)`);
  check('fan-out p99 at 1,000 subscribers', many.p99 <= 250, `${many.p99} ms (target: at most 250 ms; 1 subscriber: ${one.p99} ms)`);
} finally {
  await gw.stop();
}
finish();
