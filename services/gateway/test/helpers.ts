import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { createGateway } from '../src/app.js';
import { loadGatewayConfig, type GatewayConfig } from '../src/config.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbforge-gw-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

export const ADMIN_KEY = 'unit-test-admin-key-0123456789abcdef';

export function testConfig(env: Record<string, string> = {}): GatewayConfig {
  const dir = tempDir();
  return loadGatewayConfig({
    DBFORGE_DATA_DIR: path.join(dir, 'db-data'),
    DBFORGE_SECRETS_DIR: path.join(dir, 'secrets'),
    DBFORGE_ADMIN_KEY: ADMIN_KEY,
    DBFORGE_LOG_LEVEL: 'silent',
    ...env,
  });
}

/** A real gateway (real catalogue, real worker processes) driven with `inject`. */
export async function buildGateway(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await createGateway(testConfig(env));
  await app.ready();
  cleanups.push(() => app.close());
  return app;
}

export const silentLogger: FastifyBaseLogger = pino({ level: 'silent' });

export const auth = { 'x-api-key': ADMIN_KEY };
