// Spawn latency (spawn call to first successful query) and resident memory per idle database, on the process runtime
// and, when a Docker engine answers, on the docker runtime, measured in the same run.
//
// Environment: BENCH_SPAWNS (20), BENCH_IDLE_DATABASES (20).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, startProcess, tempDir } from './processes.mjs';

const SPAWNS = Number(process.env.BENCH_SPAWNS ?? 20);
const IDLE = Number(process.env.BENCH_IDLE_DATABASES ?? 20);

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function dockerAvailable() {
  return spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
}

async function measure(runtime) {
  const work = tempDir();
  const key = `bench-${crypto.randomBytes(16).toString('hex')}`;
  const namespace = `bench-${crypto.randomBytes(3).toString('hex')}`;
  const gateway = await startProcess(
    [path.join(ROOT, 'services/gateway/dist/server.js')],
    {
      DBFORGE_PORT: '0',
      DBFORGE_RUNTIME: runtime,
      DBFORGE_DOCKER_NAMESPACE: namespace,
      DBFORGE_DATA_DIR: path.join(work, 'data'),
      DBFORGE_SECRETS_DIR: path.join(work, 'secrets'),
      DBFORGE_ADMIN_KEY: key,
      DBFORGE_LOG_LEVEL: 'warn',
      DBFORGE_RATE_LIMIT_PER_SECOND: '0',
      NODE_ENV: 'production',
    },
    /listening on http:\/\/[^:]+:(\d+)/,
    `gateway (${runtime})`,
  );
  const url = `http://127.0.0.1:${gateway.match[1]}`;
  const headers = { 'x-api-key': key, 'content-type': 'application/json' };
  const names = [];
  try {
    const latencies = [];
    for (let i = 0; i < Math.max(SPAWNS, IDLE); i++) {
      const name = `bench-${i}`;
      const started = process.hrtime.bigint();
      const spawned = await fetch(`${url}/admin/databases/spawn/${name}`, { method: 'POST', headers: { 'x-api-key': key } });
      if (spawned.status !== 201) throw new Error(`spawn ${name}: ${spawned.status} ${await spawned.text()}`);
      names.push(name);
      const query = await fetch(`${url}/api/db/${name}/query`, { method: 'POST', headers, body: JSON.stringify({ sql: 'SELECT 1' }) });
      if (query.status !== 200) throw new Error(`first query ${name}: ${query.status} ${await query.text()}`);
      if (i < SPAWNS) latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    // Let every worker settle, then read what each one holds in memory.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    let memory = 0;
    for (const name of names.slice(0, IDLE)) {
      const stats = await (await fetch(`${url}/admin/databases/${name}/stats`, { headers: { 'x-api-key': key } })).json();
      memory += stats.memory_bytes;
    }
    return { runtime, p50: percentile(latencies, 50), p99: percentile(latencies, 99), memoryPerDb: memory / IDLE };
  } finally {
    for (const name of names) await fetch(`${url}/admin/databases/prune/${name}`, { method: 'POST', headers: { 'x-api-key': key } });
    await gateway.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const runtimes = ['process', ...(dockerAvailable() ? ['docker'] : [])];
if (runtimes.length === 1) process.stdout.write('no Docker engine answers: measuring the process runtime only\n');
const results = [];
for (const runtime of runtimes) {
  process.stdout.write(`measuring ${runtime}: ${SPAWNS} spawns, ${IDLE} idle databases...\n`);
  results.push(await measure(runtime));
}
const base = results[0];
const lines = [
  `Spawn to first successful query (${SPAWNS} spawns) and resident memory per idle database (${IDLE} databases).`,
  '',
  '| runtime | spawn p50 ms | spawn p99 ms | memory per idle database MiB | spawn p50 vs process | memory vs process |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...results.map(
    (r) =>
      `| ${r.runtime} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${(r.memoryPerDb / 1048576).toFixed(1)} | ${(r.p50 / base.p50).toFixed(2)}x | ${(r.memoryPerDb / base.memoryPerDb).toFixed(2)}x |`,
  ),
];
process.stdout.write(`\n${lines.join('\n')}\n`);
const out = path.join(ROOT, 'bench', 'results');
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, `spawn-density-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ spawns: SPAWNS, idle: IDLE, results }, null, 2));
