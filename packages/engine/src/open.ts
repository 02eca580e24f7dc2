import type { DatabaseAdapter, OpenOptions } from './types.js';
import { SqliteAdapter } from './sqlite-adapter.js';
import { DuckDbAdapter } from './duckdb-adapter.js';

/** Opens the database that lives in `options.directory`, creating it when it does not exist yet. */
export async function openDatabase(options: OpenOptions): Promise<DatabaseAdapter> {
  if (options.engine === 'duckdb') return DuckDbAdapter.open(options);
  return new SqliteAdapter(options);
}
