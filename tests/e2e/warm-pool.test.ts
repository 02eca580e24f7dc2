import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNTIMES, killWorker, removeTempDirs, startGateway, stopAllGateways, uniqueName, waitFor, type RunningGateway } from '../support/gateway.js';
import { containersWithLabel, inspect, volumesWithLabel } from '../support/docker.js';

afterAll(async () => {
  await stopAllGateways();
  removeTempDirs();
});

/** The warm pool as the gateway reports it in /metrics. */
async function pool(gw: RunningGateway): Promise<{ size: number; idle: number; claims: number; misses: number }> {
  const text = await (await fetch(`${gw.url}/metrics`, { headers: { 'x-api-key': gw.apiKey } })).text();
  const value = (metric: string) => Number(new RegExp(`^${metric} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return {
    size: value('dbforge_worker_pool_size'),
    idle: value('dbforge_worker_pool_idle'),
    claims: value('dbforge_worker_pool_claims'),
    misses: value('dbforge_worker_pool_misses'),
  };
}

async function fullPool(gw: RunningGateway): Promise<void> {
  await waitFor(async () => {
    const p = await pool(gw);
    return p.idle >= p.size ? true : undefined;
  }, 60_000, 'the warm pool to fill');
}

/** The Docker containers of a gateway's pool that no spawn has claimed. */
function unclaimedContainers(gw: RunningGateway): string[] {
  return containersWithLabel(`dev.dbforge.namespace=${gw.namespace}`).filter((name) => name.startsWith(`${gw.namespace}-pool-`));
}

describe.each(RUNTIMES)('warm pool (%s runtime)', (runtime) => {
  // One gateway's story, in order: claims, isolation, refill, a kill, a restart, a prune.
  it('serves spawns from pre-started workers that are indistinguishable from fresh ones, and refills', async () => {
    const gw = await startGateway({ runtime, env: { DBFORGE_WORKER_POOL_SIZE: '1' } });
    await fullPool(gw);
    if (runtime === 'docker') expect(unclaimedContainers(gw)).toHaveLength(1);

    const first = uniqueName('pooled');
    await gw.client.spawnDatabase(first);
    expect(await pool(gw)).toMatchObject({ size: 1, claims: 1, misses: 0 });
    await gw.client.db(first).execute('CREATE TABLE secrets (v TEXT)');
    await gw.client.db(first).execute("INSERT INTO secrets VALUES ('first only')");

    // The pool refills, and the next spawn takes the new worker: it sees nothing of the first database.
    await fullPool(gw);
    const second = uniqueName('pooled');
    // Other CPU and pids limits than the pool's are applied to the claimed worker (docker; the process runtime has none).
    await gw.client.spawnDatabase(second, { engine: 'duckdb', cpus: 0.5, pids_limit: 64 });
    expect((await pool(gw)).claims).toBe(2);
    const leak = await gw.client.raw('POST', `/api/db/${second}/query`, { body: { sql: 'SELECT v FROM secrets' } });
    expect(leak.status).toBe(400);
    expect((await gw.client.getDatabase(second)).engine).toBe('duckdb');
    await gw.client.db(second).execute('CREATE TABLE t (v INTEGER)');

    // Pooled workers are not databases: never listed, never counted.
    await fullPool(gw);
    expect((await gw.client.listDatabases()).map((d) => d.name).sort()).toEqual([first, second].sort());
    const info = await gw.client.getDatabase(first);
    expect(info).toMatchObject({ name: first, status: 'running', engine: 'sqlite' });

    if (runtime === 'docker') {
      // The claimed container has the database's name and the spawn's limits and restart policy.
      const container = inspect<{ HostConfig: { Memory: number; RestartPolicy: { Name: string } } }>(`${gw.namespace}-worker-${first}`);
      expect(container.HostConfig).toMatchObject({ Memory: 256 * 1024 * 1024, RestartPolicy: { Name: 'unless-stopped' } });
      const limited = inspect<{ HostConfig: { NanoCpus: number; PidsLimit: number } }>(`${gw.namespace}-worker-${second}`);
      expect(limited.HostConfig).toMatchObject({ NanoCpus: 0.5e9, PidsLimit: 64 });
    }

    // A claimed worker killed the hard way comes back with its database, and only its own.
    await killWorker(gw, first);
    await waitFor(async () => {
      const rows = await gw.client.db(first).select('SELECT v FROM secrets');
      return rows.length === 1 ? rows : undefined;
    }, 30_000, 'the killed worker to come back');
    expect(await gw.client.db(first).select('SELECT v FROM secrets')).toEqual([{ v: 'first only' }]);

    // A gateway restart keeps the catalogue and the data, and removes the old gateway's unclaimed pool.
    await gw.stop();
    const again = await startGateway({ reuse: gw, env: { DBFORGE_WORKER_POOL_SIZE: '1' } });
    expect(await again.client.db(first).select('SELECT v FROM secrets')).toEqual([{ v: 'first only' }]);
    expect(await again.client.db(second).select('SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }]);
    await fullPool(again);
    if (runtime === 'docker') expect(unclaimedContainers(again)).toHaveLength(1);
    expect((await again.client.listDatabases()).map((d) => d.name).sort()).toEqual([first, second].sort());

    // Prune removes a pooled database's data with it.
    let volume: string | undefined;
    if (runtime === 'docker') {
      volume = inspect<{ Mounts: { Name: string; Destination: string }[] }>(`${again.namespace}-worker-${first}`).Mounts.find((m) => m.Destination === '/data')?.Name;
      expect(volume).toBeDefined();
    } else {
      expect(fs.existsSync(path.join(again.dataDir, first))).toBe(true);
    }
    await again.client.pruneDatabase(first);
    expect((await again.client.raw('POST', `/api/db/${first}/query`, { body: { sql: 'SELECT 1' } })).status).toBe(404);
    if (runtime === 'docker') {
      expect(containersWithLabel(`dev.dbforge.namespace=${again.namespace}`)).not.toContain(`${again.namespace}-worker-${first}`);
      expect(volumesWithLabel(`dev.dbforge.namespace=${again.namespace}`)).not.toContain(volume);
    } else {
      expect(fs.existsSync(path.join(again.dataDir, first))).toBe(false);
    }

    // A name spawned again after the prune starts empty.
    await again.client.spawnDatabase(first);
    expect((await again.client.raw('POST', `/api/db/${first}/query`, { body: { sql: 'SELECT v FROM secrets' } })).status).toBe(400);

    // The gateway removes its pool when it stops.
    await again.stop();
    if (runtime === 'docker') expect(unclaimedContainers(again)).toEqual([]);
  });

  it('without a pool (size 0) starts each database its own worker, as before', async () => {
    const gw = await startGateway({ runtime, env: { DBFORGE_WORKER_POOL_SIZE: '0' } });
    const name = uniqueName('nopool');
    await gw.client.spawnDatabase(name);
    expect(await gw.client.db(name).select('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await pool(gw)).toEqual({ size: 0, idle: 0, claims: 0, misses: 0 });
    if (runtime === 'docker') {
      expect(unclaimedContainers(gw)).toEqual([]);
      expect(inspect<{ Config: { Labels: Record<string, string> } }>(`${gw.namespace}-worker-${name}`).Config.Labels).toMatchObject({
        'dev.dbforge.database': name,
      });
    }
  });
});
