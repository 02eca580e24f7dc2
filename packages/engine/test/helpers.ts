import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { DbForgeError } from '@dbforge/contracts';
import { openDatabase, type DatabaseAdapter, type OpenOptions } from '../src/index.js';

const opened: DatabaseAdapter[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbforge-engine-'));
  dirs.push(dir);
  return dir;
}

export async function open(engine: 'sqlite' | 'duckdb', overrides: Partial<OpenOptions> = {}): Promise<DatabaseAdapter> {
  const db = await openDatabase({
    engine,
    directory: tempDir(),
    limits: { maxResultRows: 1000, maxResultBytes: 1024 * 1024 },
    statementTimeoutMs: 5000,
    ...overrides,
  });
  opened.push(db);
  return db;
}

/** The DB-Forge error a promise is refused with; fails the test when it is fulfilled or refused with anything else. */
export async function failure(promise: Promise<unknown>): Promise<DbForgeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DbForgeError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}
