import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbForgeClient } from '@dbforge/client';
import { ROOT, uniqueName, waitFor } from '../support/gateway.js';
import { docker, inspect, removeNamespace } from '../support/docker.js';
import { testRuntimes } from '../support/runtimes.js';

function composeAvailable(): boolean {
  return spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
}

const runs = testRuntimes().includes('docker');
if (runs && !composeAvailable() && process.env.CI === 'true') {
  throw new Error('CI=true but docker-compose is missing: install it with infra/docker/provision-docker.sh');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * The compose stack as a user runs it, without Traefik (its image can't be pulled here): the gateway in a container
 * with the docker runtime, the console in another, each reaching the next by service name.
 */
describe.runIf(runs && composeAvailable())('the compose stack without Traefik (docker-compose)', () => {
  const id = crypto.randomBytes(3).toString('hex');
  const project = `dbforge-test-${id}`;
  const key = `compose-key-${crypto.randomBytes(16).toString('hex')}`;
  let env: NodeJS.ProcessEnv;
  let client: DbForgeClient;
  let consoleUrl: string;

  function compose(args: string[]) {
    const result = spawnSync(
      'docker-compose',
      ['-p', project, '-f', path.join(ROOT, 'docker-compose.yml'), '-f', path.join(ROOT, 'infra/compose/without-traefik.yml'), ...args],
      { cwd: ROOT, env, encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`docker-compose ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  }

  beforeAll(async () => {
    const [gatewayPort, frontendPort] = [await freePort(), await freePort()];
    env = {
      PATH: process.env.PATH,
      DOCKER_GID: String(fs.statSync('/var/run/docker.sock').gid),
      DBFORGE_ADMIN_KEY: key,
      DBFORGE_PORT: String(gatewayPort),
      FRONTEND_PORT: String(frontendPort),
      DBFORGE_DOCKER_NAMESPACE: `c-${id}`,
      DBFORGE_DOCKER_NETWORK: `dbforge-test-workers-${id}`,
      DBFORGE_EDGE_NETWORK: `dbforge-test-edge-${id}`,
      DBFORGE_LOG_LEVEL: 'warn',
    };
    compose(['up', '-d']);
    // Docker's port proxy accepts connections before the service listens, and may then hold them: every wait has a
    // timeout of its own.
    client = new DbForgeClient({ baseUrl: `http://127.0.0.1:${gatewayPort}`, apiKey: key, timeoutMs: 10_000 });
    consoleUrl = `http://127.0.0.1:${frontendPort}`;
    const probe = new DbForgeClient({ baseUrl: `http://127.0.0.1:${gatewayPort}`, timeoutMs: 1000 });
    await waitFor(async () => ((await probe.ready().catch(() => undefined))?.status === 'ready' ? true : undefined), 60_000, 'the gateway container');
    await waitFor(
      async () => ((await fetch(`${consoleUrl}/api/health`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined))?.ok ? true : undefined),
      60_000,
      'the console container',
    );
  }, 180_000);

  afterAll(() => {
    if (!env) return;
    // Workers are the gateway's, not compose's: remove them first, or their network can't go.
    removeNamespace(`c-${id}`);
    try {
      compose(['down', '-v', '--remove-orphans']);
    } finally {
      docker(['network', 'rm', `dbforge-test-workers-${id}`, `dbforge-test-edge-${id}`]);
    }
  });

  it('runs the gateway as a non-root container that starts a worker container per database and reaches it', async () => {
    const name = uniqueName('stack');
    const spawned = await client.spawnDatabase(name);
    expect(spawned.created).toBe(true);
    await client.db(name).execute('CREATE TABLE t (v TEXT)');
    await client.db(name).execute("INSERT INTO t VALUES ('through the stack')");
    expect(await client.db(name).select('SELECT v FROM t')).toEqual([{ v: 'through the stack' }]);
    const worker = inspect<{ Config: { User: string }; HostConfig: { NetworkMode: string } }>(`c-${id}-worker-${name}`);
    expect(worker.HostConfig.NetworkMode).toBe(`dbforge-test-workers-${id}`);
    const gateway = inspect<{ Config: { User: string }; HostConfig: { ReadonlyRootfs: boolean; GroupAdd: string[] } }>(`${project}_gateway_1`);
    expect(gateway.Config.User).toBe('1000:1000');
    expect(gateway.HostConfig.ReadonlyRootfs).toBe(true);
    expect(gateway.HostConfig.GroupAdd).toEqual([env.DOCKER_GID]);
    await client.pruneDatabase(name);
  });

  it('serves the console, which signs in with the key and reaches the gateway by its service name', async () => {
    const name = uniqueName('console');
    await client.spawnDatabase(name);
    const signIn = await fetch(`${consoleUrl}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: key }),
    });
    expect(signIn.status).toBe(204);
    const cookie = signIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    const list = await fetch(`${consoleUrl}/api/gateway/admin/databases`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { name: string }[]).map((d) => d.name)).toContain(name);
    const page = await fetch(`${consoleUrl}/sign-in`);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain(key);
    await client.pruneDatabase(name);
  });
});
