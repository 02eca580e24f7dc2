/** Database names: what DB-Forge MK1 accepted, minus anything that could walk a path. */
export const DATABASE_NAME_PATTERN = '^(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$';
const DATABASE_NAME_RE = new RegExp(DATABASE_NAME_PATTERN);

export function isValidDatabaseName(name: unknown): name is string {
  return typeof name === 'string' && DATABASE_NAME_RE.test(name);
}

/**
 * Table and column names accepted by the structured table APIs. Raw SQL may use anything the engine accepts;
 * these routes build SQL from the names, so they take only plain identifiers, always quoted when used.
 */
export const IDENTIFIER_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,127}$';
const IDENTIFIER_RE = new RegExp(IDENTIFIER_PATTERN);

/** Prefixes of tables that belong to the engine or to DB-Forge itself (event log, users, schema history). */
export const RESERVED_TABLE_PREFIXES = ['sqlite_', '_dbforge_', 'duckdb_', 'pg_'] as const;

export function isValidIdentifier(name: unknown): name is string {
  return typeof name === 'string' && IDENTIFIER_RE.test(name);
}

export function isReservedTableName(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED_TABLE_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/** Quotes an identifier for SQLite and DuckDB alike. Callers validate first; quoting is the second wall. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
