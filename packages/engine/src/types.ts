import type {
  ColumnDefinition,
  EngineCapabilities,
  EngineName,
  SqlParams,
  TableDetail,
  TableSummary,
} from '@dbforge/contracts';
import type { CaptureConfig, ChangeContext } from './events/types.js';

export interface ResultColumn {
  name: string;
  type: string;
}

/** A statement that returned rows (decided by the engine, not by the text of the statement). */
export interface RowsResult {
  kind: 'rows';
  rows: Record<string, unknown>[];
  columns: ResultColumn[];
  truncated: boolean;
}

/** A statement that changed something, or nothing, without returning rows. */
export interface ExecResult {
  kind: 'exec';
  rowsAffected: number;
  lastInsertRowid: number | string | null;
}

export type StatementResult = RowsResult | ExecResult;

export interface Statement {
  sql: string;
  params?: SqlParams | undefined;
  /** Run the statement once per parameter set instead (a batch's bulk form; the wire name, passed through as is). */
  param_sets?: SqlParams[] | undefined;
}

export interface ExecuteOptions {
  /** Refuse (403) any statement the engine says would write: for read-only keys and viewers. */
  readOnly?: boolean | undefined;
  /** Who writes and why: recorded with the change events of the write. */
  context?: ChangeContext | undefined;
}

export interface TransactionOptions {
  /** Who writes and why: recorded with the change events of the write. */
  context?: ChangeContext | undefined;
  /**
   * The caller records the change events of its writes itself (the resource engine, which knows the API's view of a
   * record): the engine's own capture (SQLite's triggers) skips them, so that each change is recorded exactly once.
   */
  recordsEvents?: boolean | undefined;
  /**
   * Runs with SQLite's foreign key enforcement off, as SQLite's own procedure for rebuilding a table requires (a DROP
   * TABLE would otherwise fire the ON DELETE actions of tables that refer to it); the transaction runs alone, and
   * `work` checks the references it may have broken (`PRAGMA foreign_key_check`) before it returns. DuckDB ignores it.
   */
  foreignKeysOff?: boolean | undefined;
}

export interface ResultLimits {
  /** Rows returned at most by one statement; more rows set `truncated`. */
  maxResultRows: number;
  /** Approximate JSON bytes returned at most by one statement. */
  maxResultBytes: number;
}

export interface SelectRowsOptions {
  filters: Record<string, string>;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface OpenOptions {
  engine: EngineName;
  /** The database's own directory. The engine creates its files inside it and nothing outside it. */
  directory: string;
  limits: ResultLimits;
  /** SQLite's `synchronous` in WAL mode: FULL survives power loss, NORMAL survives a crash of the process. */
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  /**
   * Most memory SQLite's page cache may take, in MiB (default `Defaults.sqliteCacheMb`). It grows only as pages are
   * used: an idle database keeps little; a large write transaction (a bulk insert with its events) stays in memory up
   * to it.
   */
  sqliteCacheMb?: number | undefined;
  /** A DuckDB statement running longer than this is interrupted (SQLite statements are stopped by the gateway). */
  statementTimeoutMs?: number;
  /** The database's size quota: writes that would grow it past this fail with QUOTA_EXCEEDED. */
  maxDatabaseBytes?: number | null | undefined;
  /** Record committed writes in the event log (default true). */
  eventLog?: boolean | undefined;
  /** Told of a failure of work the adapter does in the background (writing out bulk inserts' events). */
  onBackgroundError?: ((error: unknown) => void) | undefined;
}

/** A value bound to a statement that the engine itself built (booleans are stored as the engine stores them). */
export type TxValue = string | number | bigint | boolean | null | Buffer;

/**
 * Statements of one transaction. Only for SQL that DB-Forge builds itself (identifiers validated and quoted, values
 * bound): no statement guard, no result caps. Integers come back as numbers, or strings beyond 2^53.
 */
export interface TransactionContext {
  /** Runs a statement that returns rows. */
  all(sql: string, params?: TxValue[]): Promise<Record<string, unknown>[]>;
  /** Runs a statement that returns no rows; answers the number of rows changed. */
  run(sql: string, params?: TxValue[]): Promise<number>;
  /** After DDL: brings the engine's change capture in step with the tables (SQLite's triggers), in this transaction. */
  syncCapture(): Promise<void>;
}

/**
 * One open database. Both engines implement the same interface; what one of them can't do is declared in
 * `capabilities` and answered with CAPABILITY_NOT_SUPPORTED.
 */
export interface DatabaseAdapter {
  readonly engine: EngineName;
  readonly capabilities: EngineCapabilities;
  /** Runs one statement. */
  execute(sql: string, params?: SqlParams, options?: ExecuteOptions): Promise<StatementResult>;
  /** Runs statements in order in one transaction: all of them or none. */
  batch(statements: Statement[], options?: ExecuteOptions): Promise<StatementResult[]>;
  createTable(table: string, columns: ColumnDefinition[]): Promise<void>;
  insertRows(table: string, rows: Record<string, unknown>[], options?: ExecuteOptions): Promise<number>;
  selectRows(table: string, options: SelectRowsOptions): Promise<{ rows: Record<string, unknown>[]; truncated: boolean }>;
  listTables(): Promise<TableSummary[]>;
  describeTable(table: string): Promise<TableDetail | undefined>;
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. Nothing else runs on the
   * database meanwhile, so checks made inside hold until the commit. A constraint the engine enforces (a unique index)
   * answers CONFLICT.
   */
  transaction<T>(work: (tx: TransactionContext) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs one read statement that DB-Forge built itself (no guard, no caps, no transaction of its own). */
  read(sql: string, params?: TxValue[]): Promise<Record<string, unknown>[]>;
  /** The newest event id, where the engine can tell it without writing out pending events (SQLite's bulk inserts). */
  latestEventId?(): Promise<number>;
  /** Whether committed writes are recorded in the event log (the database's `event_log` setting). */
  readonly eventLog: boolean;
  /** Called after every commit that may have written (a statement, a batch, a transaction): new events may be waiting. */
  onCommit(listener: () => void): void;
  /** How the capture treats resource tables (the resource engine supplies it when it opens). */
  configureCapture(config: CaptureConfig): void;
  /** Bytes on disk of the database's files (write-ahead log included). */
  sizeBytes(): number;
  close(): Promise<void>;
}
