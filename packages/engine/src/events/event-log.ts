import { DbForgeError } from '@dbforge/contracts';
import type { DatabaseAdapter, TxValue } from '../types.js';
import { EVENTS_META_TABLE, EVENTS_TABLE, EVENT_COLUMNS } from './schema.js';
import type { ChangeEvent, EventOp, EventSource, RetentionPolicy } from './types.js';

export interface EventQuery {
  /** A resource or table name. */
  table?: string | undefined;
  /** A record's key (needs `table`). */
  record?: string | undefined;
  /** Events at or after this time (ISO 8601). */
  since?: string | undefined;
  /** Events before this time (ISO 8601). */
  until?: string | undefined;
  /** Events after this id (the `next_cursor` of the previous page). */
  afterId?: number | undefined;
  limit: number;
}

export interface EventPage {
  data: ChangeEvent[];
  next_cursor: string | null;
}

/** The state of a record at a time, as far as the log tells. */
export type StateAt =
  | { known: true; exists: false }
  | { known: true; exists: true; record: Record<string, unknown>; eventId: number }
  | { known: false };

const HORIZON_KEY = 'compacted_before';

function parseJson(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  return JSON.parse(String(value)) as Record<string, unknown>;
}

export function rowToEvent(row: Record<string, unknown>): ChangeEvent {
  return {
    id: Number(row.id),
    at: String(row.committed_at),
    actor: { id: String(row.actor_id), roles: JSON.parse(String(row.actor_roles)) as string[] },
    request_id: row.request_id === null ? null : String(row.request_id),
    source: String(row.source) as EventSource,
    op: String(row.op) as EventOp,
    resource: row.resource === null ? null : String(row.resource),
    table: String(row.tbl),
    record_id: row.record_id === null ? null : String(row.record_id),
    before: parseJson(row.before),
    after: parseJson(row.after),
    reverts: row.reverts === null || row.reverts === undefined ? null : Number(row.reverts),
  };
}

/** Reading, resuming and trimming the event log of one database. Framework-free. */
export class EventLog {
  constructor(private readonly adapter: DatabaseAdapter) {}

  async list(query: EventQuery): Promise<EventPage> {
    const where: string[] = [];
    const params: TxValue[] = [];
    if (query.table !== undefined) {
      where.push('tbl = ?');
      params.push(query.table);
    }
    if (query.record !== undefined) {
      where.push('record_id = ?');
      params.push(query.record);
    }
    if (query.since !== undefined) {
      where.push('committed_at >= ?');
      params.push(query.since);
    }
    if (query.until !== undefined) {
      where.push('committed_at < ?');
      params.push(query.until);
    }
    if (query.afterId !== undefined) {
      where.push('id > ?');
      params.push(query.afterId);
    }
    const rows = await this.adapter.read(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_TABLE}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ${query.limit + 1}`,
      params,
    );
    const data = rows.slice(0, query.limit).map(rowToEvent);
    const last = data[data.length - 1];
    return { data, next_cursor: rows.length > query.limit && last ? String(last.id) : null };
  }

  async get(id: number): Promise<ChangeEvent | undefined> {
    const rows = await this.adapter.read(`SELECT ${EVENT_COLUMNS} FROM ${EVENTS_TABLE} WHERE id = ?`, [id]);
    return rows[0] === undefined ? undefined : rowToEvent(rows[0]);
  }

  /** Events after `afterId`, oldest first, at most `limit` (for resuming a feed). */
  async since(afterId: number, limit: number, upTo?: number): Promise<ChangeEvent[]> {
    const rows = await this.adapter.read(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_TABLE} WHERE id > ?${upTo === undefined ? '' : ' AND id <= ?'} ORDER BY id LIMIT ${Math.max(1, limit)}`,
      upTo === undefined ? [afterId] : [afterId, upTo],
    );
    return rows.map(rowToEvent);
  }

  async latestId(): Promise<number> {
    // SQLite: a bulk insert's reserved ids count without its events being written out (the feed asks after each commit).
    if (this.adapter.latestEventId !== undefined) return this.adapter.latestEventId();
    const rows = await this.adapter.read(`SELECT max(id) AS id FROM ${EVENTS_TABLE}`);
    return Number(rows[0]?.id ?? 0);
  }

  async oldestId(): Promise<number | null> {
    const rows = await this.adapter.read(`SELECT min(id) AS id FROM ${EVENTS_TABLE}`);
    return rows[0]?.id === null || rows[0]?.id === undefined ? null : Number(rows[0].id);
  }

  /** Ids of the events of the same record after `id`: what a revert of `id` would overwrite. */
  async newerOf(table: string, recordId: string, id: number): Promise<number[]> {
    const rows = await this.adapter.read(`SELECT id FROM ${EVENTS_TABLE} WHERE tbl = ? AND record_id = ? AND id > ? ORDER BY id LIMIT 100`, [table, recordId, id]);
    return rows.map((r) => Number(r.id));
  }

  /** Before this time, history has been compacted: states earlier than it are no longer known. */
  async horizon(): Promise<string | null> {
    const rows = await this.adapter.read(`SELECT value FROM ${EVENTS_META_TABLE} WHERE key = ?`, [HORIZON_KEY]);
    return rows[0] === undefined ? null : String(rows[0].value);
  }

  /**
   * A record as it was at `at`: the `after` of its last event at or before then, or, when the first event after
   * then is an update or delete, that event's `before` (the record predates its history). Unknown when the log has
   * nothing about the record, or when `at` lies before the compaction horizon.
   */
  async stateAt(table: string, recordId: string, at: string): Promise<StateAt> {
    const horizon = await this.horizon();
    if (horizon !== null && at < horizon) {
      throw new DbForgeError('NOT_FOUND', `History before ${horizon} has been compacted by the database's event retention.`, {
        details: { horizon },
      });
    }
    const last = await this.adapter.read(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_TABLE} WHERE tbl = ? AND record_id = ? AND committed_at <= ? ORDER BY id DESC LIMIT 1`,
      [table, recordId, at],
    );
    if (last[0] !== undefined) {
      const event = rowToEvent(last[0]);
      return event.after === null ? { known: true, exists: false } : { known: true, exists: true, record: event.after, eventId: event.id };
    }
    const next = await this.adapter.read(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_TABLE} WHERE tbl = ? AND record_id = ? AND committed_at > ? ORDER BY id LIMIT 1`,
      [table, recordId, at],
    );
    if (next[0] === undefined) return { known: false };
    const event = rowToEvent(next[0]);
    return event.before === null ? { known: true, exists: false } : { known: true, exists: true, record: event.before, eventId: event.id };
  }

  /**
   * Applies retention: events older than `maxAgeDays`, or beyond the newest `maxEvents`, expire. Compaction keeps
   * history readable from the cutoff on: of each record's expired events, the newest one is kept as its baseline
   * (its `after` is the record's state at the cutoff) unless it was a delete, so that a record's state at any time
   * after the cutoff, and the inverse of every kept event, stay exact. Answers how many events were removed.
   */
  async applyRetention(policy: RetentionPolicy, now = new Date()): Promise<{ removed: number; horizon: string | null }> {
    if (!policy.maxAgeDays && !policy.maxEvents) return { removed: 0, horizon: await this.horizon() };
    let cutoffId = 0;
    if (policy.maxEvents) {
      const rows = await this.adapter.read(`SELECT id FROM ${EVENTS_TABLE} ORDER BY id DESC LIMIT 1 OFFSET ${policy.maxEvents - 1}`);
      if (rows[0] !== undefined) cutoffId = Math.max(cutoffId, Number(rows[0].id));
    }
    if (policy.maxAgeDays) {
      const before = new Date(now.getTime() - policy.maxAgeDays * 86_400_000).toISOString();
      const rows = await this.adapter.read(`SELECT min(id) AS id FROM ${EVENTS_TABLE} WHERE committed_at >= ?`, [before]);
      const first = rows[0]?.id;
      // Nothing newer than the cutoff: every event expires.
      cutoffId = Math.max(cutoffId, first === null || first === undefined ? (await this.latestId()) + 1 : Number(first));
    }
    if (cutoffId <= 1) return { removed: 0, horizon: await this.horizon() };
    const at = await this.adapter.read(`SELECT committed_at AS t FROM ${EVENTS_TABLE} WHERE id >= ? ORDER BY id LIMIT 1`, [cutoffId]);
    const horizon = at[0] === undefined ? now.toISOString() : String(at[0].t);
    const removed = await this.adapter.transaction(async (tx) => {
      // The baseline of each record: its newest expired event, unless that removed the record.
      const deleted = await tx.run(
        `DELETE FROM ${EVENTS_TABLE} WHERE id < ? AND (record_id IS NULL OR op = 'delete' OR id NOT IN ` +
          `(SELECT max(id) FROM ${EVENTS_TABLE} WHERE id < ? AND record_id IS NOT NULL GROUP BY tbl, record_id))`,
        [cutoffId, cutoffId],
      );
      await tx.run(`DELETE FROM ${EVENTS_META_TABLE} WHERE key = ?`, [HORIZON_KEY]);
      await tx.run(`INSERT INTO ${EVENTS_META_TABLE} (key, value) VALUES (?, ?)`, [HORIZON_KEY, horizon]);
      return deleted;
    });
    return { removed, horizon };
  }
}
