import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIMES, removeTempDirs, startGateway, stopAllGateways, uniqueName, waitFor, type RunningGateway } from '../support/gateway.js';
import { containersWithLabel, docker, inspect, volumesWithLabel } from '../support/docker.js';

afterAll(async () => {
  await stopAllGateways();
  removeTempDirs();
});

interface ContainerInfo {
  Id: string;
  Config: { User: string; Labels: Record<string, string>; Image: string; Healthcheck?: { Test: string[] } };
  HostConfig: {
    ReadonlyRootfs: boolean;
    CapDrop: string[];
    SecurityOpt: string[];
    Memory: number;
    NanoCpus: number;
    PidsLimit: number;
    Tmpfs: Record<string, string>;
    RestartPolicy: { Name: string };
    PortBindings: Record<string, unknown> | null;
    NetworkMode: string;
  };
  Mounts: { Type: string; Name: string; Destination: string }[];
  NetworkSettings: { Networks: Record<string, unknown>; Ports: Record<string, unknown> };
  State: { Running: boolean; Pid: number };
}

describe.runIf(RUNTIMES.includes('docker'))('docker runtime', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ runtime: 'docker' });
  });

  it('runs each database in its own locked-down container with its own volume, limits and labels', async () => {
    const name = uniqueName('box');
    const spawned = await gw.client.spawnDatabase(name, { engine: 'duckdb', memory_mb: 192, cpus: 0.5, pids_limit: 64 });
    const info = inspect<ContainerInfo>(`${gw.namespace}-worker-${name}`);
    expect(info.Id.slice(0, 12)).toBe(spawned.container_id);
    expect(info.Config.User).toBe('1000:1000');
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
    expect(info.HostConfig.Memory).toBe(192 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(0.5e9);
    expect(info.HostConfig.PidsLimit).toBe(64);
    expect(Object.keys(info.HostConfig.Tmpfs)).toEqual(['/tmp']);
    expect(info.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    expect(info.Config.Healthcheck?.Test).toEqual(['CMD', 'node', 'dist/healthcheck.js']);
    expect(info.HostConfig.PortBindings ?? {}).toEqual({});
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual(['dbforge-workers']);
    expect(info.Mounts).toEqual([expect.objectContaining({ Type: 'volume', Name: `${gw.namespace}-data-${name}`, Destination: '/data' })]);
    expect(info.Config.Labels).toMatchObject({
      'dev.dbforge.managed-by': 'dbforge',
      'dev.dbforge.namespace': gw.namespace,
      'dev.dbforge.database': name,
      'dev.dbforge.engine': 'duckdb',
    });
    // Seen from inside: not root, and the root filesystem refuses writes.
    expect(docker(['exec', `${gw.namespace}-worker-${name}`, 'node', '-e', 'process.stdout.write(String(process.getuid()))']).stdout).toBe('1000');
    const write = docker(['exec', `${gw.namespace}-worker-${name}`, 'node', '-e', "require('fs').writeFileSync('/app/x', 'x')"]);
    expect(write.status).not.toBe(0);
    expect(write.stderr).toMatch(/EROFS|read-only/);
    const network = JSON.parse(docker(['network', 'inspect', 'dbforge-workers']).stdout)[0] as { Internal: boolean };
    expect(network.Internal).toBe(true);
  });

  it('reports status, logs and stats from Docker', async () => {
    const name = uniqueName('obs');
    await gw.client.spawnDatabase(name);
    await gw.client.db(name).execute('CREATE TABLE t (v TEXT)');
    expect((await gw.client.getDatabase(name)).status).toBe('running');
    const logs = await gw.client.databaseLogs(name, 20);
    expect(logs.lines.some((l) => l.includes('Server listening'))).toBe(true);
    const stats = await gw.client.request<Record<string, number | null>>('GET', `/admin/databases/${name}/stats`);
    expect(stats).toMatchObject({ db_name: name, memory_limit_bytes: 256 * 1024 * 1024 });
    expect(stats.memory_bytes).toBeGreaterThan(1024 * 1024);
    expect(stats.pids).toBeGreaterThan(0);
    expect(stats.network_rx_bytes).toBeGreaterThan(0);
  });

  it('prune leaves no container and no volume behind', async () => {
    const name = uniqueName('gone');
    await gw.client.spawnDatabase(name);
    await gw.client.db(name).execute('CREATE TABLE t (v TEXT)');
    const label = `dev.dbforge.database=${name}`;
    expect(containersWithLabel(label)).toHaveLength(1);
    expect(volumesWithLabel(label)).toHaveLength(1);
    await gw.client.pruneDatabase(name);
    expect(containersWithLabel(label)).toEqual([]);
    expect(volumesWithLabel(label)).toEqual([]);
  });

  it('kills and restarts a worker at its memory limit without touching its neighbours', async () => {
    const hungry = uniqueName('hungry');
    const neighbour = uniqueName('calm');
    const since = Math.floor(Date.now() / 1000) - 1;
    await gw.client.spawnDatabase(hungry, { memory_mb: 64 });
    await gw.client.spawnDatabase(neighbour);
    await gw.client.db(hungry).execute('CREATE TABLE t (v TEXT)');
    await gw.client.db(hungry).execute("INSERT INTO t VALUES ('kept')");
    await gw.client.db(neighbour).execute('CREATE TABLE t (v TEXT)');
    // Builds a string of several hundred megabytes in the worker.
    const hog = gw.client.raw('POST', `/api/db/${hungry}/query`, {
      body: {
        sql: "SELECT length(group_concat(hex(randomblob(1000000)))) AS n FROM (WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 400) SELECT i FROM c)",
      },
    });
    for (let i = 0; i < 10; i++) {
      await gw.client.db(neighbour).execute('INSERT INTO t VALUES (?)', [`row ${i}`]);
    }
    const reply = await hog;
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ error: { code: 'WORKER_UNAVAILABLE' } });
    // The kernel's OOM killer ended it, as Docker recorded.
    const events = docker([
      'events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1),
      '--filter', `container=${gw.namespace}-worker-${hungry}`, '--filter', 'event=oom', '--format', '{{.Action}}',
    ]);
    expect(events.stdout).toContain('oom');
    expect(await gw.client.db(neighbour).select('SELECT count(*) AS n FROM t')).toEqual([{ n: 10 }]);
    await waitFor(async () => ((await gw.client.getDatabase(hungry)).status === 'running' ? true : undefined), 20_000, 'the worker to come back');
    expect(await gw.client.db(hungry).select('SELECT v FROM t')).toEqual([{ v: 'kept' }]);
  });

  it('refuses to give a new database the volume an earlier one left behind', async () => {
    const name = uniqueName('left');
    docker(['volume', 'create', '--label', `dev.dbforge.namespace=${gw.namespace}`, `${gw.namespace}-data-${name}`]);
    const reply = await gw.client.raw('POST', `/admin/databases/spawn/${name}`);
    expect(reply.status).toBe(409);
    expect((reply.body as { detail: string }).detail).toContain(`docker volume rm ${gw.namespace}-data-${name}`);
  });

  it('says which command builds a missing worker image', async () => {
    const other = await startGateway({ runtime: 'docker', env: { DBFORGE_WORKER_IMAGE: 'dbforge/worker:does-not-exist' } });
    const reply = await other.client.raw('POST', `/admin/databases/spawn/${uniqueName()}`);
    expect(reply.status).toBe(503);
    expect((reply.body as { detail: string }).detail).toMatch(/dbforge\/worker:does-not-exist is missing.*npm run docker:build/);
    expect((await other.client.withApiKey(undefined).raw('GET', '/ready')).status).toBe(503);
  });

  it('answers 503 when the Docker engine is unreachable, and keeps serving what it can', async () => {
    const first = await startGateway({ runtime: 'docker' });
    const name = uniqueName('kept');
    await first.client.spawnDatabase(name);
    await first.client.db(name).execute('CREATE TABLE t (v TEXT)');
    await first.stop();
    const blind = await startGateway({ reuse: first, env: { DBFORGE_DOCKER_SOCKET: '/nonexistent/docker.sock' } });
    const spawn = await blind.client.raw('POST', `/admin/databases/spawn/${uniqueName()}`);
    expect(spawn.status).toBe(503);
    expect((spawn.body as { detail: string }).detail).toMatch(/Docker engine .* is unreachable/);
    const ready = await blind.client.withApiKey(undefined).raw('GET', '/ready');
    expect(ready.status).toBe(503);
    expect((await blind.client.health()).status).toBe('ok');
    expect((await blind.client.listDatabases()).map((d) => d.name)).toEqual([name]);
  });
});
