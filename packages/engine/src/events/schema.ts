import type { EngineName } from '@dbforge/contracts';
import type { TransactionContext, TxValue } from '../types.js';
import type { ChangeContext, NewEvent } from './types.js';

/** The event log and its bookkeeping, inside the database they describe (the reserved prefix hides them). */
export const EVENTS_TABLE = '_dbforge_events';
export const EVENTS_META_TABLE = '_dbforge_events_meta';
/**
 * Bulk inserts whose events are reserved and not yet written out (SQLite; see bulk-inserts.ts). Its name does not
 * contain the log's, so that reading it is not taken for reading the log.
 */
export const BULK_EVENTS_TABLE = '_dbforge_bulk_events';

export const EVENT_COLUMNS =
  'id, committed_at, actor_id, actor_roles, request_id, source, op, resource, tbl, record_id, before, after, reverts';

/** Statements that create the log (idempotent). */
export function eventLogDdl(engine: EngineName): string[] {
  const text = engine === 'sqlite' ? 'TEXT' : 'VARCHAR';
  const id =
    engine === 'sqlite'
      ? // AUTOINCREMENT: an id is never handed out twice, even after the newest events are deleted by retention.
        'id INTEGER PRIMARY KEY AUTOINCREMENT'
      : "id BIGINT PRIMARY KEY DEFAULT nextval('_dbforge_seq_events')";
  return [
    ...(engine === 'duckdb' ? ['CREATE SEQUENCE IF NOT EXISTS _dbforge_seq_events'] : []),
    `CREATE TABLE IF NOT EXISTS ${EVENTS_TABLE} (${id}, committed_at ${text} NOT NULL, actor_id ${text} NOT NULL, ` +
      `actor_roles ${text} NOT NULL, request_id ${text}, source ${text} NOT NULL, op ${text} NOT NULL, resource ${text}, ` +
      `tbl ${text} NOT NULL, record_id ${text}, before ${text}, after ${text}, reverts BIGINT)`,
    `CREATE INDEX IF NOT EXISTS _dbforge_events_record ON ${EVENTS_TABLE} (tbl, record_id, id)`,
    `CREATE INDEX IF NOT EXISTS _dbforge_events_at ON ${EVENTS_TABLE} (committed_at)`,
    `CREATE TABLE IF NOT EXISTS ${EVENTS_META_TABLE} (key ${text} PRIMARY KEY, value ${text} NOT NULL)`,
    ...(engine === 'sqlite'
      ? [
          `CREATE TABLE IF NOT EXISTS ${BULK_EVENTS_TABLE} (last_id INTEGER PRIMARY KEY, first_id INTEGER NOT NULL, ` +
            'committed_at TEXT NOT NULL, actor_id TEXT NOT NULL, actor_roles TEXT NOT NULL, request_id TEXT, source TEXT NOT NULL, ' +
            'tbl TEXT NOT NULL, key_column TEXT NOT NULL, runs TEXT NOT NULL, reverts BIGINT)',
        ]
      : []),
  ];
}

const INSERT =
  `INSERT INTO ${EVENTS_TABLE} (committed_at, actor_id, actor_roles, request_id, source, op, resource, tbl, record_id, before, after, reverts) ` +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** Appends events in the caller's transaction: they commit or roll back with the write they record. */
export async function appendEvents(tx: TransactionContext, context: ChangeContext, events: NewEvent[], at = new Date().toISOString()): Promise<void> {
  const roles = JSON.stringify(context.actor.roles);
  for (const event of events) {
    const values: TxValue[] = [
      at,
      context.actor.id,
      roles,
      context.requestId ?? null,
      context.source,
      event.op,
      event.resource,
      event.table,
      event.recordId,
      event.before === null ? null : JSON.stringify(event.before),
      event.after === null ? null : JSON.stringify(event.after),
      context.reverts ?? null,
    ];
    await tx.run(INSERT, values);
  }
}
