import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DbForgeClient } from '@dbforge/client';
import { chromium, type BrowserContext } from 'playwright-core';

export const FRONTEND_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const REPO_ROOT = path.resolve(FRONTEND_ROOT, '..', '..');
export const SCREENSHOTS_DIR = path.join(REPO_ROOT, 'test-output', 'screenshots');
const GATEWAY_ENTRY = path.join(REPO_ROOT, 'services', 'gateway', 'dist', 'server.js');
const NEXT_BIN = path.join(FRONTEND_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');

/** Debian's Chromium; the tests never download a browser. */
export const CHROMIUM_PATH = process.env.DBFORGE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

function start(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Started {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    },
  };
}

async function waitUntil(what: string, started: Started, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null) throw new Error(`${what} exited with code ${started.child.exitCode}:\n${started.output()}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start within ${timeoutMs / 1000} s:\n${started.output()}`);
}

export interface Stack {
  consoleUrl: string;
  gatewayUrl: string;
  apiKey: string;
  /** The SDK on the real gateway, to arrange a scenario and to check what the console did. */
  gateway: DbForgeClient;
  consoleSecretsDir: string;
  stop: () => Promise<void>;
}

export interface StackOptions {
  /** More environment for the gateway (DBFORGE_ACCESS_TOKEN_TTL_SECONDS, ...). */
  gatewayEnv?: Record<string, string>;
}

/**
 * The console as it ships: the production build served by `next start`, in front of the real gateway, each on a
 * random loopback port with its own temporary data and secrets.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  if (!fs.existsSync(GATEWAY_ENTRY)) throw new Error(`${GATEWAY_ENTRY} is missing: build first (npm run build at the repository root)`);
  // Fast when nothing changed since the last build; otherwise the test would run an old console.
  const build = spawnSync(process.execPath, [path.join(FRONTEND_ROOT, 'scripts', 'build-if-changed.mjs')], {
    cwd: FRONTEND_ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('building the console failed (see above)');

  const base = tempDir('dbforge-console-e2e-');
  const apiKey = `e2e-key-${crypto.randomBytes(18).toString('hex')}`;
  const gateway = start(process.execPath, [GATEWAY_ENTRY], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DBFORGE_HOST: '127.0.0.1',
      DBFORGE_PORT: '0',
      DBFORGE_RUNTIME: 'process',
      DBFORGE_DATA_DIR: path.join(base, 'db-data'),
      DBFORGE_SECRETS_DIR: path.join(base, 'gateway-secrets'),
      DBFORGE_LOG_LEVEL: 'warn',
      DBFORGE_ADMIN_KEY: apiKey,
      ...options.gatewayEnv,
    },
  });
  let gatewayUrl = '';
  await waitUntil('the gateway', gateway, async () => {
    const match = /listening on (http:\/\/[^\s"]+:\d+)/.exec(gateway.output());
    if (match) gatewayUrl = match[1]!.replace('0.0.0.0', '127.0.0.1');
    return match !== null;
  });

  const consolePort = await freePort();
  const consoleSecretsDir = path.join(base, 'console-secrets');
  const consoleUrl = `http://127.0.0.1:${consolePort}`;
  const frontend = start(process.execPath, [NEXT_BIN, 'start', '-p', String(consolePort), '-H', '127.0.0.1'], {
    cwd: FRONTEND_ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      GATEWAY_URL: gatewayUrl,
      DBFORGE_SECRETS_DIR: consoleSecretsDir,
    },
  });
  await waitUntil('the console', frontend, async () => (await fetch(`${consoleUrl}/sign-in`)).status === 200);

  return {
    consoleUrl,
    gatewayUrl,
    apiKey,
    gateway: new DbForgeClient({ baseUrl: gatewayUrl, apiKey }),
    consoleSecretsDir,
    stop: async () => {
      await Promise.all([frontend.stop(), gateway.stop()]);
    },
  };
}

/** Chromium with a fresh profile, so no state of an earlier run can make a test pass. */
export async function launchBrowser(): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(tempDir('dbforge-chromium-'), {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  context.setDefaultTimeout(10_000);
  return context;
}

export function uniqueName(prefix = 'db'): string {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
}
