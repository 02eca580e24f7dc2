import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  RUNTIMES,
  killWorker,
  removeTempDirs,
  startGateway,
  stopAllGateways,
  uniqueName,
  waitFor,
  workerPid,
} from '../support/gateway.js';

afterAll(async () => {
  await stopAllGateways();
  removeTempDirs();
});

describe.each(RUNTIMES)('resilience (%s runtime)', (runtime) => {
  it('restarts a worker killed in the middle of a stream of writes (SIGKILL, docker kill) and loses no acknowledged write', async () => {
    const gw = await startGateway({ runtime });
    const name = uniqueName('kill');
    await gw.client.spawnDatabase(name);
    const db = gw.client.db(name);
    await db.execute('CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const before = await gw.client.getDatabase(name);

    const acknowledged: number[] = [];
    const failed: number[] = [];
    let killed = false;
    for (let i = 1; i <= 400; i++) {
      if (i === 150) {
        await killWorker(gw, name);
        killed = true;
      }
      try {
        await db.execute('INSERT INTO events (id, body) VALUES (?, ?)', [i, `event ${i}`]);
        acknowledged.push(i);
      } catch (error) {
        failed.push(i);
        expect((error as { code: string }).code).toBe('WORKER_UNAVAILABLE');
      }
    }
    expect(killed).toBe(true);
    const rows = await db.select<{ id: number }>('SELECT id FROM events ORDER BY id');
    const stored = new Set(rows.map((r) => r.id));
    for (const id of acknowledged) expect(stored.has(id), `acknowledged write ${id}`).toBe(true);
    expect(acknowledged.length).toBeGreaterThan(300);
    const info = await gw.client.getDatabase(name);
    expect(info.status).toBe('running');
    expect(info.container_id).toBe(before.container_id);
    const stats = await gw.client.gatewayStats();
    expect(stats.total_requests).toBeGreaterThan(400);
  });

  it('keeps its catalogue and data across a gateway restart', async () => {
    const first = await startGateway({ runtime });
    const lite = uniqueName('lite');
    const duck = uniqueName('duck');
    await first.client.spawnDatabase(lite);
    await first.client.spawnDatabase(duck, { engine: 'duckdb', statement_timeout_ms: 5000 });
    await first.client.db(lite).execute('CREATE TABLE t (v TEXT)');
    await first.client.db(lite).execute("INSERT INTO t VALUES ('survives')");
    await first.client.db(duck).execute('CREATE TABLE t (v VARCHAR)');
    await first.client.db(duck).execute("INSERT INTO t VALUES ('survives too')");
    const before = await first.client.listDatabases();
    await first.stop();

    const second = await startGateway({ reuse: first });
    const after = await second.client.listDatabases();
    expect(after.map((d) => [d.name, d.engine, d.created_at, d.container_id]).sort()).toEqual(
      before.map((d) => [d.name, d.engine, d.created_at, d.container_id]).sort(),
    );
    expect((await second.client.getDatabase(duck)).settings.statement_timeout_ms).toBe(5000);
    expect(await second.client.db(lite).select('SELECT v FROM t')).toEqual([{ v: 'survives' }]);
    expect(await second.client.db(duck).select('SELECT v FROM t')).toEqual([{ v: 'survives too' }]);
  });

  it('survives the gateway being killed: workers end with it (process) or are adopted (docker), and serve again', async () => {
    const first = await startGateway({ runtime });
    const name = uniqueName();
    await first.client.spawnDatabase(name);
    await first.client.db(name).execute('CREATE TABLE t (v TEXT)');
    await first.client.db(name).execute("INSERT INTO t VALUES ('acknowledged')");
    const before = await first.client.getDatabase(name);
    const pid = runtime === 'process' ? await workerPid(first.client, name) : 0;
    await first.stop('SIGKILL');
    if (runtime === 'process') {
      // A worker never outlives its gateway.
      await waitFor(async () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      }, 10_000, 'the orphaned worker to exit');
    }
    const second = await startGateway({ reuse: first });
    expect(await second.client.db(name).select('SELECT v FROM t')).toEqual([{ v: 'acknowledged' }]);
    const after = await second.client.getDatabase(name);
    // A container keeps running across the gateway's death and is adopted as it is.
    if (runtime === 'docker') expect(after.container_id).toBe(before.container_id);
  });
});

describe('the admin key', () => {
  it('is generated on first start, shown once, stored only as an argon2id hash, and works after a restart', async () => {
    const first = await startGateway({ generateKey: true });
    expect(first.apiKey).toMatch(/^dbf_admin_[A-Za-z0-9_-]{43}$/);
    expect(first.output()).toContain(first.apiKey);
    expect((await first.client.listDatabases())).toEqual([]);
    const stored = fs.readFileSync(path.join(first.secretsDir, 'admin-key.json'), 'utf8');
    expect(stored).not.toContain(first.apiKey);
    expect(JSON.parse(stored)).toMatchObject({ algorithm: 'argon2id', hash: expect.stringMatching(/^\$argon2id\$/) });
    expect(fs.statSync(path.join(first.secretsDir, 'admin-key.json')).mode & 0o077).toBe(0);
    await first.stop();

    const second = await startGateway({ generateKey: true, reuse: first });
    expect(second.output()).not.toMatch(/dbf_admin_/);
    const client = second.client.withApiKey(first.apiKey);
    expect(await client.listDatabases()).toEqual([]);
    const wrong = await second.client.withApiKey(`${first.apiKey}x`).raw('GET', '/admin/databases');
    expect(wrong.status).toBe(401);
  });

  it('refuses to start with a weak key from the environment', async () => {
    await expect(startGateway({ env: { DBFORGE_ADMIN_KEY: 'admin' } })).rejects.toThrow(/DBFORGE_ADMIN_KEY/);
  });
});
