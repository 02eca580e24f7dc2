import { DbForgeError } from '@dbforge/contracts';

/** A batch failure names the failing statement (its index and text) and says that nothing was applied. */
export function batchError(error: DbForgeError, index: number, total: number, sql: string): DbForgeError {
  const prefix = error.code === 'SQL_ERROR' ? 'SQL Error: ' : '';
  const inner = prefix && error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  return new DbForgeError(
    error.code,
    `${prefix}statement ${index + 1} of ${total} failed: ${inner} Nothing was applied.`.replace(/([^.]) Nothing/, '$1. Nothing'),
    { details: { statement_index: index, sql, ...(isRecord(error.details) ? error.details : {}) }, cause: error },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
