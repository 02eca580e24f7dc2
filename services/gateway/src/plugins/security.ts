import fp from 'fastify-plugin';
import cors from '@fastify/cors';
import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { DbForgeError } from '@dbforge/contracts';
import { presentedKey } from './auth.js';
import type { KnownCredentials } from '../auth/known-credentials.js';

export interface SecurityPluginOptions {
  corsOrigins: string[];
  /** Requests per second per credential (per address without one); 0 turns the limit off. */
  rateLimitPerSecond: number;
  knownCredentials: KnownCredentials;
}

/**
 * Who a rate limit counts: a credential known to be real (by its digest, never stored in clear), or else the address,
 * so that a stream of invented credentials shares one allowance.
 */
function limitKey(known: KnownCredentials, request: FastifyRequest): string {
  const credential = presentedKey(request.headers);
  const digest = credential === undefined ? undefined : known.known(credential);
  return digest === undefined ? `ip:${request.ip}` : `key:${digest}`;
}

/**
 * Helmet's security headers. With no content security policy (the API answers JSON; the only pages are Swagger UI's,
 * which set their own policy) they are the same for every reply, so helmet is asked once, at start, and its answer is
 * set on each reply in one step instead of a dozen middleware calls per request.
 */
function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet({ contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: 'same-site' } })(
    {} as IncomingMessage,
    response as unknown as ServerResponse,
    (error?: unknown) => {
      failure = error;
    },
  );
  if (failure !== undefined) throw failure;
  return headers;
}

/** What the rate limit says of one request (as `@fastify/rate-limit` answers it). */
export interface RateVerdict {
  isAllowed: boolean;
  isExceeded?: boolean;
  max?: number;
  remaining?: number;
  ttlInSeconds?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Counts a request against the per-credential limit (or, with `increment: false`, reads where it stands), in the
     * same store as the limit of Fastify's routes; undefined when the limit is off. Takes what the key generator reads
     * of a request.
     */
    platformRateLimit:
      | ((request: { headers: IncomingMessage['headers']; url: string; ip: string }, options?: { increment: boolean }) => Promise<RateVerdict>)
      | undefined;
  }
}

/** Security headers, CORS from an allow-list, and rate limits per key and per address. */
export const securityPlugin = fp(
  async (app, options: SecurityPluginOptions) => {
    const headers = securityHeaders();
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
    if (options.corsOrigins.length > 0) {
      await app.register(cors, {
        origin: options.corsOrigins,
        credentials: true,
        methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowedHeaders: ['content-type', 'authorization', 'x-api-key', 'x-request-id', 'last-event-id'],
        exposedHeaders: ['x-request-id', 'x-dbforge-error-code', 'retry-after'],
        maxAge: 600,
      });
    }
    if (options.rateLimitPerSecond > 0) {
      await app.register(rateLimit, {
        global: true,
        max: options.rateLimitPerSecond,
        timeWindow: 1000,
        keyGenerator: (request) => limitKey(options.knownCredentials, request),
        // Liveness and readiness probes are never limited.
        allowList: (request) => request.url === '/health' || request.url === '/ready',
        errorResponseBuilder: (_request, context) => {
          const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
          const error = new DbForgeError('RATE_LIMITED', `Too many requests: at most ${context.max} per second; retry in ${seconds} s.`, {
            details: { retry_after_seconds: seconds },
          });
          return Object.assign(error, { statusCode: 429 });
        },
      });
      // The same limiter, store and key as the routes' (the request needs only what limitKey and allowList read).
      const limiter = app.createRateLimit();
      app.decorate('platformRateLimit', (request: { headers: IncomingMessage['headers']; url: string; ip: string }, counting?: { increment: boolean }) =>
        limiter({ ...request, routeOptions: {} } as unknown as FastifyRequest, counting) as Promise<RateVerdict>,
      );
    } else {
      app.decorate('platformRateLimit', undefined);
    }
  },
  { name: 'dbforge-security', fastify: '5.x' },
);
