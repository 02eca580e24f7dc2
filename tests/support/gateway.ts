import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DbForgeApiError, DbForgeClient } from '@dbforge/client';
import { docker, removeNamespace } from './docker.js';
import { testRuntimes } from './runtimes.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const GATEWAY_ENTRY = path.join(ROOT, 'services/gateway/dist/server.js');

/** The runtimes the conformance suite runs against (see support/runtimes.ts). */
export const RUNTIMES = testRuntimes();

export interface GatewayOptions {
  runtime?: string;
  /** Take over the data, secrets, key and Docker namespace of an earlier gateway (a restart). */
  reuse?: RunningGateway;
  /** Give no admin key: the gateway generates one. */
  generateKey?: boolean;
  env?: Record<string, string>;
}

export interface RunningGateway {
  runtime: string;
  /** Prefix of the Docker containers and volumes of this gateway (docker runtime). */
  namespace: string;
  url: string;
  port: number;
  apiKey: string;
  dataDir: string;
  secretsDir: string;
  client: DbForgeClient;
  output: () => string;
  process: ChildProcess;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

const started: RunningGateway[] = [];
const tempDirs: string[] = [];
const namespaces = new Set<string>();

export function tempDir(prefix = 'dbforge-e2e-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Starts the real gateway (`node services/gateway/dist/server.js`) on a free port and waits until it answers. */
export async function startGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  if (!fs.existsSync(GATEWAY_ENTRY)) throw new Error(`${GATEWAY_ENTRY} is missing: run npm run build first`);
  const runtime = options.runtime ?? options.reuse?.runtime ?? 'process';
  const base = options.reuse
    ? { dataDir: options.reuse.dataDir, secretsDir: options.reuse.secretsDir }
    : (() => {
        const dir = tempDir();
        return { dataDir: path.join(dir, 'db-data'), secretsDir: path.join(dir, 'secrets') };
      })();
  // Each gateway under test has its own Docker namespace, so that gateways never adopt each other's containers.
  const namespace = options.reuse?.namespace ?? `t-${crypto.randomBytes(4).toString('hex')}`;
  if (runtime === 'docker') namespaces.add(namespace);
  const apiKey =
    options.env?.DBFORGE_ADMIN_KEY ??
    (options.reuse?.apiKey && !options.generateKey ? options.reuse.apiKey : undefined) ??
    (options.generateKey ? '' : `test-key-${crypto.randomBytes(16).toString('hex')}`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    DBFORGE_HOST: '127.0.0.1',
    DBFORGE_PORT: '0',
    DBFORGE_RUNTIME: runtime,
    DBFORGE_DOCKER_NAMESPACE: namespace,
    DBFORGE_DATA_DIR: base.dataDir,
    DBFORGE_SECRETS_DIR: base.secretsDir,
    DBFORGE_LOG_LEVEL: 'warn',
    // No warm pool unless a test asks for one (or for the runtime's default, with ''): most tests spawn a few databases,
    // and a pool per gateway would double the workers the suite starts on two cores.
    DBFORGE_WORKER_POOL_SIZE: '0',
    ...(apiKey ? { DBFORGE_ADMIN_KEY: apiKey } : {}),
    ...options.env,
  };
  const child = spawn(process.execPath, ['--max-semi-space-size=32', GATEWAY_ENTRY], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not start within 30 s:\n${output}`)), 30_000);
    const check = () => {
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited with code ${code} during start-up:\n${output}`));
    });
  });

  const key = apiKey || (/dbf_admin_[A-Za-z0-9_-]+/.exec(output)?.[0] ?? '');
  const url = `http://127.0.0.1:${port}`;
  const gateway: RunningGateway = {
    runtime,
    namespace,
    url,
    port,
    apiKey: key,
    ...base,
    client: new DbForgeClient({ baseUrl: url, apiKey: key }),
    output: () => output,
    process: child,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  started.push(gateway);
  return gateway;
}

export async function stopAllGateways(): Promise<void> {
  await Promise.all(started.splice(0).map((g) => g.stop()));
  // Docker workers outlive their gateway by design: the tests remove what their gateways created.
  for (const namespace of namespaces) removeNamespace(namespace);
  namespaces.clear();
}

/** Kills a database's worker the hard way: SIGKILL to its process, or `docker kill` of its container. */
export async function killWorker(gateway: RunningGateway, name: string): Promise<void> {
  if (gateway.runtime === 'docker') {
    const result = docker(['kill', `${gateway.namespace}-worker-${name}`]);
    if (result.status !== 0) throw new Error(`docker kill failed: ${result.stderr}`);
    return;
  }
  process.kill(await workerPid(gateway.client, name), 'SIGKILL');
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** The worker's process id, from its own log lines (pino writes `pid` on each). */
export async function workerPid(client: DbForgeClient, name: string): Promise<number> {
  const { lines } = await client.databaseLogs(name, 50);
  for (const line of [...lines].reverse()) {
    const match = /"pid":(\d+)/.exec(line);
    if (match) return Number(match[1]);
  }
  throw new Error(`no pid in the log of ${name}: ${lines.join('\n')}`);
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

export function uniqueName(prefix = 'db'): string {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
}

/** The API error a call is refused with; fails the test when the call succeeds or fails with anything else. */
export async function failure(promise: Promise<unknown>): Promise<DbForgeApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DbForgeApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
