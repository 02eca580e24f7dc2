import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
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
const PASSED_HEADERS = ['content-type', 'retry-after', WorkerHeaders.errorCode] as const;

/**
 * Bodies up to this size are gathered and sent in one write each way; larger ones are streamed. Small replies are
 * the common case (a point select is a few hundred bytes), and one write costs far less than a stream of them.
 */
const BUFFER_LIMIT = 64 * 1024;

function hasBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}

async function readAll(stream: AsyncIterable<Buffer>, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    length += chunk.length;
  }
  return chunks.length === 1 && length === size ? chunks[0]! : Buffer.concat(chunks, length);
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
    let body: Buffer | Readable | null = null;
    if (hasBody(request.headers)) {
      body = length > 0 && length <= BUFFER_LIMIT ? await readAll(request.raw, length) : request.raw;
    }
    let endpoint = await this.databases.endpoint(name);
    let response: Dispatcher.ResponseData;
    try {
      response = await this.send(request, endpoint, body);
    } catch (error) {
      // A read that met a worker as it died is safe to repeat once the worker is back; a write is not.
      if (body !== null || request.method !== 'GET' || !(error instanceof DbForgeError) || error.code !== 'WORKER_UNAVAILABLE') {
        throw error;
      }
      endpoint = await this.databases.endpoint(name);
      response = await this.send(request, endpoint, null);
    }
    reply.code(response.statusCode);
    for (const header of PASSED_HEADERS) {
      const value = response.headers[header];
      if (value !== undefined) reply.header(header, value);
    }
    const size = Number(response.headers['content-length'] ?? -1);
    if (size >= 0 && size <= BUFFER_LIMIT) return reply.send(await readAll(response.body, size));
    if (size >= 0) reply.header('content-length', size);
    return reply.send(response.body);
  }

  private async send(
    request: FastifyRequest,
    endpoint: WorkerEndpoint,
    body: Buffer | Readable | null,
  ): Promise<Dispatcher.ResponseData> {
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
    try {
      // A worker answers once its statement is done, so the time to the reply's headers is the statement's time.
      return await endpoint.dispatcher.request({
        path: request.url,
        method: request.method as Dispatcher.HttpMethod,
        headers,
        body,
        headersTimeout: deadline,
        bodyTimeout: 0,
      });
    } catch (error) {
      if ((error as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT') {
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
    }
  }
}
