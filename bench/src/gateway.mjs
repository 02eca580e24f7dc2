import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, startProcess, tempDir } from './processes.mjs';

/** How the gateway is started: its Node flags, as in its Dockerfile and `npm start` (docs/CONFIGURATION.md), and its entry. */
export const GATEWAY_ARGS = ['--max-semi-space-size=32', path.join(ROOT, 'services/gateway/dist/server.js')];

/**
 * Starts a real gateway on a free port with its own data directory; `stop()` also removes the directory. `nodeFlags`
 * go before the gateway's own (`--trace-gc`, say).
 */
export async function startBenchGateway(env = {}, nodeFlags = []) {
  const work = tempDir();
  const key = `bench-${crypto.randomBytes(16).toString('hex')}`;
  const gateway = await startProcess(
    [...nodeFlags, ...GATEWAY_ARGS],
    {
      DBFORGE_PORT: '0',
      DBFORGE_DATA_DIR: path.join(work, 'data'),
      DBFORGE_SECRETS_DIR: path.join(work, 'secrets'),
      DBFORGE_ADMIN_KEY: key,
      DBFORGE_LOG_LEVEL: 'warn',
      DBFORGE_RATE_LIMIT_PER_SECOND: '0',
      DBFORGE_DOCKER_NAMESPACE: `bench-${crypto.randomBytes(3).toString('hex')}`,
      NODE_ENV: 'production',
      ...env,
    },
    /listening on http:\/\/[^:]+:(\d+)/,
    'gateway',
  );
  const url = `http://127.0.0.1:${gateway.match[1]}`;
  const headers = { 'x-api-key': key, 'content-type': 'application/json' };
  const call = async (method, urlPath, body) => {
    const response = await fetch(url + urlPath, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${urlPath}: ${response.status} ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    url,
    key,
    headers,
    call,
    work,
    pid: gateway.child.pid,
    /** The gateway's standard output after it started (read it, or a flag that prints much fills the pipe). */
    stdout: gateway.child.stdout,
    stop: async () => {
      await gateway.stop();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

/** A target check: prints the verdict, and remembers a failure for the exit code. */
export function checker() {
  const failures = [];
  return {
    check(label, ok, detail) {
      process.stdout.write(`${ok ? 'PASS' : 'FAIL'}  ${label}: ${detail}\n`);
      if (!ok) failures.push(label);
    },
    finish() {
      if (failures.length > 0) {
        process.stdout.write(`\n${failures.length} target(s) missed: ${failures.join('; ')}\n`);
        process.exitCode = 1;
      }
    },
  };
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
