import fp from 'fastify-plugin';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DbForgeError, ErrorEnvelopeSchema, Errors, WorkerHeaders, type ErrorCode } from '@dbforge/contracts';
import { addSharedSchema, problemsFromAjv } from './validation.js';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
};

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'VALIDATION_ERROR',
  429: 'RATE_LIMITED',
  501: 'CAPABILITY_NOT_SUPPORTED',
  503: 'WORKER_UNAVAILABLE',
  504: 'TIMEOUT',
};

export interface ErrorHandlerOptions {
  /**
   * A failing path parameter with its own message (MK1: an invalid database name answers 400
   * "Invalid database name." on every route that takes one).
   */
  paramErrors?: Record<string, () => DbForgeError>;
  limits?: { maxBodyBytes: number };
}

/** Converts anything thrown in a request into a DbForgeError that is safe to show. */
export function toDbForgeError(error: unknown, options: ErrorHandlerOptions = {}): DbForgeError {
  if (error instanceof DbForgeError) return error;
  const e = error as FastifyError & { validationContext?: string };
  if (Array.isArray(e.validation)) {
    const context = e.validationContext ?? 'body';
    if (context === 'params' && options.paramErrors) {
      for (const v of e.validation) {
        const param = v.instancePath.replace(/^\//, '') || (v.params as { missingProperty?: string }).missingProperty;
        const make = param === undefined ? undefined : options.paramErrors[param];
        if (make) return make();
      }
    }
    return Errors.validation(problemsFromAjv(e.validation as never, context));
  }
  const mapped = e.code === undefined ? undefined : FASTIFY_CODES[e.code];
  if (mapped === 'PAYLOAD_TOO_LARGE') {
    const limit = options.limits?.maxBodyBytes;
    return new DbForgeError(
      'PAYLOAD_TOO_LARGE',
      `The request body is larger than the limit${limit === undefined ? '' : ` of ${limit} bytes`}.`,
    );
  }
  if (mapped === 'UNSUPPORTED_MEDIA_TYPE') {
    return new DbForgeError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type: send JSON with Content-Type: application/json.');
  }
  if (mapped !== undefined) return new DbForgeError(mapped, e.message);
  if (e instanceof SyntaxError) return new DbForgeError('BAD_REQUEST', `The request body is not valid JSON: ${e.message}`);
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status < 500 && STATUS_CODES[status] !== undefined) return new DbForgeError(STATUS_CODES[status]!, e.message);
  return Errors.internal(error);
}

/** The seconds an error asks the caller to wait (`details.retry_after_seconds`), for `Retry-After`. */
export function retryAfterOf(error: DbForgeError): number | undefined {
  const seconds = (error.details as { retry_after_seconds?: unknown } | undefined)?.retry_after_seconds;
  return typeof seconds === 'number' ? seconds : undefined;
}

/**
 * Logs a failed request as every path of every service does: a 5xx as an error with its cause, anything else as
 * information with its code and message. `fields` say which request it was.
 */
export function logFailure(log: FastifyBaseLogger, error: unknown, mapped: DbForgeError, fields: Record<string, unknown>): void {
  if (mapped.status >= 500) log.error({ err: error, ...fields }, 'request failed');
  else log.info({ code: mapped.code, ...fields }, mapped.message);
}

export function sendError(reply: FastifyReply, error: DbForgeError): FastifyReply {
  const retryAfter = retryAfterOf(error);
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  return reply.code(error.status).header(WorkerHeaders.errorCode, error.code).type('application/json').send(error.toEnvelope());
}

/** One error handler per app: logs with the request's context, answers the envelope, never leaks a 5xx cause. */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance, options: ErrorHandlerOptions) => {
    addSharedSchema(ErrorEnvelopeSchema);
    if (!app.getSchema('ErrorEnvelope')) app.addSchema(ErrorEnvelopeSchema);

    app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
      const mapped = toDbForgeError(error, options);
      // The path only: query strings carry filter values, which may be personal data (fields marked pii).
      logFailure(request.log, error, mapped, { method: request.method, url: request.url.split('?')[0] });
      return sendError(reply, mapped);
    });

    app.setNotFoundHandler((request, reply) =>
      sendError(reply, new DbForgeError('NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found.`)),
    );
  },
  { name: 'dbforge-error-handler', fastify: '5.x' },
);
