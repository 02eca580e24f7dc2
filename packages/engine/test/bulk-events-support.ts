import path from 'node:path';
import Database from 'better-sqlite3';
import { BULK_MIN_SETS, EventLog, SQLITE_FILE, type ChangeContext, type ChangeEvent, type DatabaseAdapter } from '../src/index.js';
import { open, tempDir } from './helpers.js';

/**
 * For the bulk insert tests: the same writes run on a database where the inserts are bulk inserts, and on one where
 * the same sets are sent in statements too small for that, so that the capture's triggers record every row as it is
 * inserted; the two event logs must be the same.
 */

export const ctx = (id = 'ada'): ChangeContext => ({ actor: { id, roles: ['admin'] }, requestId: `req-${id}`, source: 'sql' });
export const N = BULK_MIN_SETS * 2 + 17;

export type Sets = (string | number | bigint | null)[][];
export type Insert = (sql: string, sets: Sets, context?: ChangeContext) => Promise<unknown>;

/** One batch statement of all the sets (bulk), or the same sets cut into statements below the bulk threshold. */
export function inserter(db: DatabaseAdapter, bulk: boolean): Insert {
  return (sql, sets, context = ctx()) => {
    if (bulk) return db.batch([{ sql, param_sets: sets }], { context });
    const statements = [];
    for (let i = 0; i < sets.length; i += BULK_MIN_SETS - 1) statements.push({ sql, param_sets: sets.slice(i, i + BULK_MIN_SETS - 1) });
    return db.batch(statements, { context });
  };
}

/** Events without their time (the two runs write at different times). */
export function comparable(events: ChangeEvent[]) {
  return events.map((e) => ({ ...e, at: undefined }));
}

/** How many bulk inserts wait to be written out, read on a connection of its own (committed state). */
export function pendingOf(directory: string): number {
  const reader = new Database(path.join(directory, SQLITE_FILE), { readonly: true });
  try {
    return (reader.prepare('SELECT count(*) AS n FROM _dbforge_bulk_events').get() as { n: number }).n;
  } finally {
    reader.close();
  }
}

export const DEFAULT_TABLE = 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL)';

/** Runs `script` both ways (bulk first): each database, its directory and its event log as `read` gives it. */
export async function bothWays<L>(
  script: (db: DatabaseAdapter, insert: Insert, bulk: boolean, directory: string) => Promise<void>,
  setup: string,
  read: (db: DatabaseAdapter) => Promise<L>,
) {
  const out: { db: DatabaseAdapter; directory: string; log: L }[] = [];
  for (const bulk of [true, false]) {
    const directory = tempDir();
    const db = await open('sqlite', { directory });
    if (setup) await db.execute(setup, undefined, { context: ctx() });
    await script(db, inserter(db, bulk), bulk, directory);
    out.push({ db, directory, log: await read(db) });
  }
  return { bulk: out[0]!, rows: out[1]! };
}

/** `count` rows of items from id `from`: [id, name, price]. */
export const items = (from: number, count: number): Sets => Array.from({ length: count }, (_, i) => [from + i, `item ${from + i}`, (from + i) / 4]);

export async function listAll(db: DatabaseAdapter): Promise<ChangeEvent[]> {
  return (await new EventLog(db).list({ limit: 100_000 })).data;
}
