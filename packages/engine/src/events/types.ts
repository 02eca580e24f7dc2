/**
 * The change events of a database: every committed write to a record, with who made it, why, and the record before
 * and after. They live in the database file itself (`_dbforge_events`), written in the transaction of the write.
 */

/** Where a write came from. */
export const EVENT_SOURCES = ['sql', 'rows', 'resources', 'revert', 'system'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

export const EVENT_OPS = ['create', 'update', 'delete'] as const;
export type EventOp = (typeof EVENT_OPS)[number];

export interface EventActor {
  id: string;
  roles: string[];
}

/** Who writes and why, for the events of one statement, batch or transaction. */
export interface ChangeContext {
  actor: EventActor;
  /** The request that made the write (the gateway's request id). */
  requestId?: string | undefined;
  source: EventSource;
  /** The event a revert undoes: set on the events the revert writes. */
  reverts?: number | undefined;
}

/** One change event as the API answers it. */
export interface ChangeEvent {
  /** Monotonic, never reused (AUTOINCREMENT on SQLite, a sequence on DuckDB). */
  id: number;
  /** When it was committed: ISO 8601, UTC, milliseconds. */
  at: string;
  actor: EventActor;
  request_id: string | null;
  source: EventSource;
  op: EventOp;
  /** The resource, when the table is a resource's; null for plain tables. */
  resource: string | null;
  table: string;
  /** The record's key as text: its primary key, a JSON array for a composite key, the rowid without a key. */
  record_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** The event this one reverts. */
  reverts: number | null;
}

/** An event to append (engine-recorded paths: resources on both engines, the rows API on DuckDB). */
export interface NewEvent {
  op: EventOp;
  resource: string | null;
  table: string;
  recordId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/**
 * How the value of one column is written into an event, for resource tables (whose fields carry security marks).
 * - `plain`: as stored (blobs as base64, integers beyond 2^53 as text)
 * - `bool`: 0/1 as false/true
 * - `json`: JSON text as the JSON value
 * - `seal`: encrypted with the database's field key (personal data and protected fields: never in clear)
 */
export type ColumnMode = 'plain' | 'bool' | 'json' | 'seal';

/** What the capture needs to know about a resource's table. */
export interface TablePolicy {
  resource: string;
  /** Columns by name; a column not listed is `plain`. */
  columns: ReadonlyMap<string, ColumnMode>;
}

/** Supplied by the resource engine: which tables are resources' and how to seal a value. */
export interface CaptureConfig {
  policy(table: string): TablePolicy | undefined;
  /** Encrypts a value for the log (`context` is `<resource>.<field>`); without it sealed values are not kept. */
  seal?(value: string, context: string): string;
}

/** Retention of a database's event log: both unset keeps every event forever. */
export interface RetentionPolicy {
  /** Events older than this many days expire. */
  maxAgeDays?: number | null | undefined;
  /** Only this many of the newest events are kept (plus one baseline per record, see compaction). */
  maxEvents?: number | null | undefined;
}

export const MASKED = '[masked]';
