import fp from 'fastify-plugin';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
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

/** Security headers, CORS from an allow-list, and rate limits per key and per address. */
export const securityPlugin = fp(
  async (app, options: SecurityPluginOptions) => {
    await app.register(helmet, {
      // The API answers JSON; the only pages are Swagger UI's, which set their own policy (staticCSP).
      contentSecurityPolicy: false,
      crossOriginResourcePolicy: { policy: 'same-site' },
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
    }
  },
  { name: 'dbforge-security', fastify: '5.x' },
);
