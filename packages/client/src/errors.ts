import { isErrorEnvelope, type ErrorCode } from '@dbforge/contracts';

/** An error reply of the DB-Forge API. Switch on `code`; `message` is for people. */
export class DbForgeApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'NETWORK_ERROR' | 'UNEXPECTED_REPLY';
  readonly details: unknown;
  readonly requestId: string | undefined;
  readonly body: unknown;

  constructor(init: {
    status: number;
    code: DbForgeApiError['code'];
    message: string;
    details?: unknown;
    requestId?: string | undefined;
    body?: unknown;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'DbForgeApiError';
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.requestId = init.requestId;
    this.body = init.body;
  }

  static fromReply(status: number, body: unknown, requestId: string | undefined): DbForgeApiError {
    if (isErrorEnvelope(body)) {
      return new DbForgeApiError({
        status,
        code: body.error.code,
        message: body.error.message,
        details: body.error.details,
        requestId,
        body,
      });
    }
    return new DbForgeApiError({
      status,
      code: 'UNEXPECTED_REPLY',
      message: `HTTP ${status} without a DB-Forge error body`,
      requestId,
      body,
    });
  }
}
