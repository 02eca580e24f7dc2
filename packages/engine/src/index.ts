export * from './types.js';
export { openDatabase } from './open.js';
export { SqliteAdapter, SQLITE_FILE, mapSqliteError } from './sqlite-adapter.js';
export { isFatalDuckDbError, mapDuckDbError } from './duckdb-errors.js';
export { assertStatementAllowed, leadingWords } from './sql-guard.js';
export { buildCreateTable, parseColumnType, renderDefault, ACCEPTED_TYPES_HINT } from './column-types.js';
export { jsonInteger } from './values.js';
export * from './resources/index.js';
export * from './events/types.js';
export { EventLog, rowToEvent, type EventQuery, type EventPage, type StateAt } from './events/event-log.js';
export { BULK_MIN_SETS, BULK_STEP_EVENTS } from './events/bulk-inserts.js';
export { appendEvents, EVENTS_TABLE } from './events/schema.js';
export { namesReservedObject } from './events/reserved-writes.js';
export { DatabaseUsers, USERS_TABLE, SESSIONS_TABLE, type DatabaseUser, type Session } from './users/users.js';
export {
  allows,
  bypassesPermissions,
  hiddenFields,
  listFilter,
  loadPermissionLanguage,
  unwritableFields,
  type Operation as PermissionOperation,
} from './resources/permissions.js';
