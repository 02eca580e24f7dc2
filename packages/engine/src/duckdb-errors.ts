import { DbForgeError, Errors } from '@dbforge/contracts';

// Kept apart from the adapter so that it can be used without loading DuckDB's native library.

/** Fatal engine states after which DuckDB refuses every further query: the worker must restart. */
export function isFatalDuckDbError(error: unknown): boolean {
  return error instanceof Error && /FATAL Error|database has been invalidated/i.test(error.message);
}

export function mapDuckDbError(error: unknown, timeoutMs: number): DbForgeError {
  if (error instanceof DbForgeError) return error;
  if (!(error instanceof Error)) return Errors.internal(error);
  const message = error.message.split('\n')[0] ?? error.message;
  if (/^INTERRUPT Error/i.test(message)) {
    return new DbForgeError(
      'TIMEOUT',
      `The statement ran longer than the statement timeout (${timeoutMs} ms) and was stopped.`,
      { cause: error },
    );
  }
  if (/^Permission Error/i.test(message)) {
    return new DbForgeError('FORBIDDEN', `SQL Error: ${message}`, { cause: error });
  }
  if (/^(IO|Internal|INTERNAL|FATAL|Fatal) Error/.test(message) || isFatalDuckDbError(error)) {
    return Errors.internal(error);
  }
  return Errors.sql(message);
}

