import type Database from 'better-sqlite3';
import type { AuditEntryBody, AuditPage } from '@dbforge/contracts';

/** The catalogue migration of the audit log (appended to the catalogue's migrations). */
export const AUDIT_MIGRATION = `CREATE TABLE audit_log (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at TEXT NOT NULL,
     actor TEXT,
     action TEXT NOT NULL,
     outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
     status INTEGER,
     database TEXT,
     target TEXT,
     source_address TEXT,
     request_id TEXT,
     detail TEXT
   ) STRICT;
   CREATE INDEX audit_log_at ON audit_log (at);
   CREATE INDEX audit_log_database ON audit_log (database, id);
   CREATE INDEX audit_log_actor ON audit_log (actor, id)`;

/**
 * One entry of the platform's audit log: an admin action or a failed authentication.
 *
 * Actions are `<object>.<verb>`: `database.spawn`, `database.prune`, `database.settings`, `webhook.put`,
 * `webhook.delete`, `schema.apply`, `schema.remove`, `event.revert`, `key.create`, `key.revoke`, `auth.failure`; the
 * tenancy routes add their own (`tenant.create`, `member.add`, ...) in the same form.
 */
export interface AuditRecord {
  action: string;
  outcome: 'success' | 'failure';
  /** Who acted: `admin`, `user:<id>`, `key:<id>`; null when nobody could be identified (a failed authentication). */
  actor: string | null;
  /** The database concerned, if any. */
  database?: string | null | undefined;
  /** What the action was on, within the database or tenant: a hook, a resource, an event id, a key id. */
  target?: string | null | undefined;
  /** The caller's address as the gateway saw it (`request.ip`, which honours DBFORGE_TRUST_PROXY). */
  sourceAddress?: string | null | undefined;
  requestId?: string | null | undefined;
  /** The HTTP status answered. */
  status?: number | null | undefined;
  /** Anything else worth keeping (never secrets): method and path, the error code, a key's scope. */
  detail?: Record<string, unknown> | null | undefined;
  /** When; now by default. */
  at?: string | undefined;
}

export interface AuditFilter {
  actor?: string | undefined;
  /** An action, or a prefix ending in `.`. */
  action?: string | undefined;
  database?: string | undefined;
  outcome?: 'success' | 'failure' | undefined;
  since?: string | undefined;
  until?: string | undefined;
  /** Entries older than this id (the previous page's `next_cursor`): newest first. */
  beforeId?: number | undefined;
  limit: number;
}

interface Row {
  id: number;
  at: string;
  actor: string | null;
  action: string;
  outcome: 'success' | 'failure';
  status: number | null;
  database: string | null;
  target: string | null;
  source_address: string | null;
  request_id: string | null;
  detail: string | null;
}

/** The audit log in the gateway's catalogue: append-only through this class (nothing here changes or deletes). */
export class AuditLog {
  private readonly insert: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(
      'INSERT INTO audit_log (at, actor, action, outcome, status, database, target, source_address, request_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
  }

  record(entry: AuditRecord): number {
    const info = this.insert.run(
      entry.at ?? new Date().toISOString(),
      entry.actor,
      entry.action,
      entry.outcome,
      entry.status ?? null,
      entry.database ?? null,
      entry.target ?? null,
      entry.sourceAddress ?? null,
      entry.requestId ?? null,
      entry.detail ? JSON.stringify(entry.detail) : null,
    );
    return Number(info.lastInsertRowid);
  }

  list(filter: AuditFilter): AuditPage {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.actor !== undefined) {
      where.push('actor = ?');
      params.push(filter.actor);
    }
    if (filter.action !== undefined) {
      if (filter.action.endsWith('.')) {
        where.push('substr(action, 1, ?) = ?');
        params.push(filter.action.length, filter.action);
      } else {
        where.push('action = ?');
        params.push(filter.action);
      }
    }
    if (filter.database !== undefined) {
      where.push('database = ? COLLATE NOCASE');
      params.push(filter.database);
    }
    if (filter.outcome !== undefined) {
      where.push('outcome = ?');
      params.push(filter.outcome);
    }
    if (filter.since !== undefined) {
      where.push('at >= ?');
      params.push(filter.since);
    }
    if (filter.until !== undefined) {
      where.push('at < ?');
      params.push(filter.until);
    }
    if (filter.beforeId !== undefined) {
      where.push('id < ?');
      params.push(filter.beforeId);
    }
    const rows = this.db
      .prepare(`SELECT * FROM audit_log${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${filter.limit + 1}`)
      .all(...params) as Row[];
    const data: AuditEntryBody[] = rows.slice(0, filter.limit).map((row) => ({
      ...row,
      detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
    }));
    const last = data[data.length - 1];
    return { data, next_cursor: rows.length > filter.limit && last ? String(last.id) : null };
  }
}
