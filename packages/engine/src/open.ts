import type { DatabaseAdapter, OpenOptions } from './types.js';
import { SqliteAdapter } from './sqlite-adapter.js';

/**
 * Opens the database that lives in `options.directory`, creating it when it does not exist yet. DuckDB is loaded only
 * for DuckDB databases: its native library is large, and a SQLite worker should not carry it.
 */
export async function openDatabase(options: OpenOptions): Promise<DatabaseAdapter> {
  if (options.engine === 'duckdb') {
    const { DuckDbAdapter } = await import('./duckdb-adapter.js');
    return DuckDbAdapter.open(options);
  }
  return new SqliteAdapter(options);
}
