export const ENGINES = ['sqlite', 'duckdb'] as const;
export type EngineName = (typeof ENGINES)[number];
export const DEFAULT_ENGINE: EngineName = 'sqlite';

/** What an engine can do; reported by the capabilities API and used to answer 501 for what it can't. */
export interface EngineCapabilities {
  transactions: boolean;
  foreign_keys: boolean;
  full_text_search: boolean;
  json_queries: boolean;
  returning: boolean;
  window_functions: boolean;
  /** A running statement can be stopped without ending the worker. */
  interruptible: boolean;
  /** Columnar, parallel execution meant for analytics. */
  analytics: boolean;
  /** Exact decimal arithmetic and storage beyond 15 significant digits (`decimal` fields with a larger precision). */
  exact_decimals: boolean;
  /**
   * Writes made with raw SQL (`/query`, `/batch`) are recorded in the event log (SQLite, through triggers). Without it
   * only the resources and the tables/rows APIs record events.
   */
  change_capture_sql: boolean;
}

export const ENGINE_CAPABILITIES: Record<EngineName, EngineCapabilities> = {
  sqlite: {
    transactions: true,
    foreign_keys: true,
    full_text_search: true,
    json_queries: true,
    returning: true,
    window_functions: true,
    // better-sqlite3 is built without SQLite's progress handler: a runaway statement is ended with its worker.
    interruptible: false,
    analytics: false,
    // SQLite stores non-integer numbers as 64-bit floating point.
    exact_decimals: false,
    change_capture_sql: true,
  },
  duckdb: {
    transactions: true,
    foreign_keys: true,
    full_text_search: false,
    json_queries: true,
    returning: true,
    window_functions: true,
    interruptible: true,
    analytics: true,
    exact_decimals: true,
    // DuckDB has no triggers: raw SQL writes are not captured.
    change_capture_sql: false,
  },
};
