/**
 * The error catalogue shared by every DB-Forge service, the SDK and the console.
 * Clients switch on `code`, never on `message`.
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  SQL_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  QUOTA_EXCEEDED: 403,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_ERROR: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  CAPABILITY_NOT_SUPPORTED: 501,
  GATEWAY_UNREACHABLE: 502,
  WORKER_UNAVAILABLE: 503,
  TIMEOUT: 504,
  /** A resource's before-hook (a webhook) vetoed the write. */
  HOOK_REJECTED: 422,
  /** A resource's before-hook failed (unreachable, an error status, an unreadable answer): the write was refused. */
  HOOK_FAILED: 502,
  /** A resource's before-hook did not answer in time: the write was refused. */
  HOOK_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** One failing field of a request, as listed in `details` of a VALIDATION_ERROR. */
export interface FieldProblem {
  /** Where the problem is: `body.sql`, `querystring.limit`, `body.columns[2].type`. */
  field: string;
  message: string;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  status: number;
  details?: unknown;
}

/** The envelope of every error reply. `detail` repeats the message for DB-Forge MK1 clients. */
export interface ErrorEnvelope {
  error: ErrorBody;
  detail: string;
}

/**
 * A failure with a stable code. Every service throws these; one error handler per app renders them.
 * `message` is written for a person and is always safe to show; internal causes go to `cause` and the log only.
 */
export class DbForgeError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DbForgeError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = options.details;
  }

  toEnvelope(): ErrorEnvelope {
    return errorEnvelope(this.code, this.message, this.details);
  }
}

export function errorEnvelope(code: ErrorCode, message: string, details?: unknown): ErrorEnvelope {
  const error: ErrorBody = { code, message, status: ERROR_STATUS[code] };
  if (details !== undefined) error.details = details;
  return { error, detail: message };
}

export function isErrorEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as ErrorBody).code === 'string' &&
    typeof (error as ErrorBody).message === 'string'
  );
}

/** The messages DB-Forge MK1 clients know, kept word for word. */
export const Messages = {
  invalidDatabaseName: 'Invalid database name.',
  databaseNotFound: 'Database not found.',
  missingApiKey: 'Missing API Key',
  invalidApiKey: 'Invalid API Key.',
  rowsMustShareColumns: 'All rows must have the same columns.',
  internal: 'An internal error occurred. The request id in the x-request-id header identifies it in the server log.',
} as const;

export const Errors = {
  invalidDatabaseName: () => new DbForgeError('BAD_REQUEST', Messages.invalidDatabaseName),
  databaseNotFound: () => new DbForgeError('NOT_FOUND', Messages.databaseNotFound),
  missingApiKey: () => new DbForgeError('UNAUTHORIZED', Messages.missingApiKey),
  invalidApiKey: () => new DbForgeError('UNAUTHORIZED', Messages.invalidApiKey),
  sql: (engineMessage: string, details?: unknown) =>
    new DbForgeError('SQL_ERROR', `SQL Error: ${engineMessage}`, details === undefined ? {} : { details }),
  validation: (problems: FieldProblem[]) =>
    new DbForgeError(
      'VALIDATION_ERROR',
      problems.length === 1
        ? `Invalid request: ${problems[0]!.field} ${problems[0]!.message}.`
        : `Invalid request: ${problems.length} problems (${problems.map((p) => p.field).join(', ')}).`,
      { details: problems },
    ),
  internal: (cause?: unknown) => new DbForgeError('INTERNAL_ERROR', Messages.internal, { cause }),
} as const;
