import type {
  ColumnDefinition,
  EngineCapabilities,
  EngineName,
  SqlParams,
  TableDetail,
  TableSummary,
} from '@dbforge/contracts';

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
  /** A DuckDB statement running longer than this is interrupted (SQLite statements are stopped by the gateway). */
  statementTimeoutMs?: number;
}

/**
 * One open database. Both engines implement the same interface; what one of them can't do is declared in
 * `capabilities` and answered with CAPABILITY_NOT_SUPPORTED.
 */
export interface DatabaseAdapter {
  readonly engine: EngineName;
  readonly capabilities: EngineCapabilities;
  /** Runs one statement. */
  execute(sql: string, params?: SqlParams): Promise<StatementResult>;
  /** Runs statements in order in one transaction: all of them or none. */
  batch(statements: Statement[]): Promise<StatementResult[]>;
  createTable(table: string, columns: ColumnDefinition[]): Promise<void>;
  insertRows(table: string, rows: Record<string, unknown>[]): Promise<number>;
  selectRows(table: string, options: SelectRowsOptions): Promise<{ rows: Record<string, unknown>[]; truncated: boolean }>;
  listTables(): Promise<TableSummary[]>;
  describeTable(table: string): Promise<TableDetail | undefined>;
  /** Bytes on disk of the database's files (write-ahead log included). */
  sizeBytes(): number;
  close(): Promise<void>;
}
