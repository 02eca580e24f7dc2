import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import { DbForgeError, ENGINE_CAPABILITIES, REQUEST_ID_HEADER, WorkerHeaders } from '@dbforge/contracts';
import type { DatabaseService } from '../services/databases.js';
import type { WorkerEndpoint } from '../runtime/types.js';

export interface ForwarderOptions {
  maxBodyBytes: number;
  /**
   * Extra time granted to a worker whose engine stops its own statements at the deadline (DuckDB), so that it answers
   * the timeout itself; past it the gateway ends the worker anyway.
   */
  interruptGraceMs?: number;
}

/** Response headers passed on from a worker; everything else (hop-by-hop, internal) stays behind. */
const PASSED_HEADERS = ['content-type', 'content-length', 'retry-after', WorkerHeaders.errorCode] as const;

function hasBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}

/**
 * Carries a data request to the worker that owns the database: the body is streamed, never parsed here, over pooled
 * keep-alive connections, under the database's statement deadline. This is the hot path and the one place that knows
 * how the gateway talks to workers, so a leaner protocol can replace it without touching routes.
 */
export class Forwarder {
  private readonly grace: number;

  constructor(
    private readonly databases: DatabaseService,
    private readonly options: ForwarderOptions,
  ) {
    this.grace = options.interruptGraceMs ?? 2000;
  }

  async forward(request: FastifyRequest, reply: FastifyReply, name: string): Promise<FastifyReply> {
    this.databases.require(name);
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > this.options.maxBodyBytes) {
      throw new DbForgeError(
        'PAYLOAD_TOO_LARGE',
        `The request body is larger than the limit of ${this.options.maxBodyBytes} bytes.`,
      );
    }
    const withBody = hasBody(request.headers);
    let endpoint = await this.databases.endpoint(name);
    let response: Dispatcher.ResponseData;
    try {
      response = await this.send(request, endpoint, withBody);
    } catch (error) {
      // A read that met a worker as it died is safe to repeat once the worker is back; a write is not.
      if (withBody || request.method !== 'GET' || !(error instanceof DbForgeError) || error.code !== 'WORKER_UNAVAILABLE') {
        throw error;
      }
      endpoint = await this.databases.endpoint(name);
      response = await this.send(request, endpoint, false);
    }
    reply.code(response.statusCode);
    for (const header of PASSED_HEADERS) {
      const value = response.headers[header];
      if (value !== undefined) reply.header(header, value);
    }
    return reply.send(response.body);
  }

  private async send(request: FastifyRequest, endpoint: WorkerEndpoint, withBody: boolean): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = {
      [WorkerHeaders.secret]: endpoint.secret,
      [REQUEST_ID_HEADER]: request.id,
    };
    const contentType = request.headers['content-type'];
    if (contentType !== undefined) headers['content-type'] = contentType;
    const contentLength = request.headers['content-length'];
    if (contentLength !== undefined) headers['content-length'] = contentLength;

    const timeoutMs = endpoint.settings.statementTimeoutMs;
    const deadline = timeoutMs + (ENGINE_CAPABILITIES[endpoint.engine].interruptible ? this.grace : 0);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, deadline);
    try {
      return await endpoint.dispatcher.request({
        path: request.url,
        method: request.method as Dispatcher.HttpMethod,
        headers,
        body: withBody ? request.raw : null,
        signal: controller.signal,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
    } catch (error) {
      if (timedOut) {
        // SQLite can't stop a statement from outside: the worker is ended and restarted; WAL keeps every commit.
        void this.databases.recycle(endpoint.name, 'statement timeout').catch((e: unknown) => request.log.error({ err: e }, 'restart after timeout failed'));
        throw new DbForgeError(
          'TIMEOUT',
          `The statement ran longer than the statement timeout (${timeoutMs} ms) and was stopped; ` +
            `the worker of database '${endpoint.name}' was restarted.`,
        );
      }
      request.log.warn({ err: error, db: endpoint.name }, 'worker unreachable');
      throw new DbForgeError(
        'WORKER_UNAVAILABLE',
        `The worker of database '${endpoint.name}' stopped while handling this request and is being restarted; ` +
          'the request may not have been applied. Retry it if it is safe to repeat.',
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
