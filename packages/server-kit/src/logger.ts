import { LogController, type FastifyServerOptions } from 'fastify';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** pino options: secrets never reach a log line; pretty output only on a terminal. */
export function loggerOptions(level: LogLevel, name: string): FastifyServerOptions['logger'] {
  return {
    level,
    name,
    redact: {
      paths: [
        'req.headers["x-api-key"]',
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-dbforge-worker-secret"]',
        'headers["x-api-key"]',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
    ...(process.stdout.isTTY && process.env.NODE_ENV !== 'production'
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  };
}

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Fastify's own line per request, off unless asked for: metrics count requests, errors are logged by the handler. */
export function requestLogController(enabled: boolean): LogController {
  return new LogController({ disableRequestLogging: !enabled });
}
