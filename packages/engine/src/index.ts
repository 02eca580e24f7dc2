export * from './types.js';
export { openDatabase } from './open.js';
export { SqliteAdapter, SQLITE_FILE, mapSqliteError } from './sqlite-adapter.js';
export { isFatalDuckDbError, mapDuckDbError } from './duckdb-errors.js';
export { assertStatementAllowed, leadingWords } from './sql-guard.js';
export { buildCreateTable, parseColumnType, renderDefault, ACCEPTED_TYPES_HINT } from './column-types.js';
export { jsonInteger } from './values.js';
export * from './resources/index.js';
