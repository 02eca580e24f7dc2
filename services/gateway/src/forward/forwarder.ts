import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import {
  DbForgeError,
  ENGINE_CAPABILITIES,
  HOOK_REQUIRED_STATUS,
  REQUEST_ID_HEADER,
  WorkerHeaders,
  type HookRequiredReply,
} from '@dbforge/contracts';
import type { DatabaseService } from '../services/databases.js';
import type { WorkerEndpoint } from '../runtime/types.js';
import type { Actor } from '../plugins/access.js';
import { CHANNEL_SPILL_PATH, recordOperation, type ChannelRequestHeader, type RecordOperation } from '@dbforge/server-kit';
import { ChannelTimeout, WorkerChannel } from './channel.js';

export interface ForwarderOptions {
  maxBodyBytes: number;
  /** Send SQL queries, batches and records' point operations over the worker channel (default); false: all on HTTP. */
  channel?: boolean;
  /**
   * Extra time granted to a worker whose engine stops its own statements at the deadline (DuckDB), so that it answers
   * the timeout itself; past it the gateway ends the worker anyway.
   */
  interruptGraceMs?: number;
  /** Keeps checking a streamed reply's caller (Server-Sent Events): `lost` ends the stream; answers a stop function. */
  watchStream?: (request: FastifyRequest, name: string, lost: () => void) => () => void;
}

/** Response headers passed on from a worker; everything else (hop-by-hop, internal) stays behind. */
const PASSED_HEADERS = [
  'content-type',
  'retry-after',
  'content-disposition',
  'x-content-type-options',
  // Server-Sent Events: no caching, and no buffering by a proxy in front of the gateway.
  'cache-control',
  'x-accel-buffering',
  WorkerHeaders.errorCode,
] as const;

/**
 * Resource hooks, as the forwarder needs them (the hook service implements it). Kept to three calls so that a request
 * to a database without webhooks costs one map lookup more than before.
 */
export interface HookGate {
  /** The hook names with a webhook for the database (the worker's `x-dbforge-hooks`), or undefined when none. */
  headerFor(name: string): string | undefined;
  /** Calls the before-hooks of a worker's 299 reply; answers the fields hooks set, or throws the refusal. */
  runBefore(name: string, required: HookRequiredReply, requestId: string): Promise<Record<number, Record<string, unknown>>>;
  /** A write reported after-hook deliveries in the worker's outbox. */
  outboxPending(name: string): void;
}

/**
 * Bodies up to this size are gathered and sent in one write each way; larger ones are streamed. Small replies are
 * the common case (a point select is a few hundred bytes), and one write costs far less than a stream of them.
 */
const BUFFER_LIMIT = 64 * 1024;

const EMPTY = Buffer.alloc(0);

/** Where the answer of a channel request goes: a Fastify reply, or the fast lane's raw response. */
export type ReplySink = (status: number, headers: Record<string, string>, body: Buffer | Readable | undefined) => void;

/** The largest reply frame the channel takes (a frame's length is a u32). */
const REPLY_FRAME_LIMIT = 2 ** 32 - 1;

/** How long a worker that offered no channel is left on HTTP before it is asked again. */
const CHANNEL_RETRY_MS = 30_000;

function hasBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}

/** A whole body of unknown length, refused past the limit (bodies of writes that may have to be sent twice). */
async function readLimited(stream: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    length += chunk.length;
    if (length > limit) throw new DbForgeError('PAYLOAD_TOO_LARGE', `The request body is larger than the limit of ${limit} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}

/**
 * Who the worker acts for: the platform caller as a signed-off actor header (trusted by the worker, which only the
 * gateway can reach), or, for a database's end user, their own credential to check. A client's own actor header is
 * never passed on.
 */
export function identityHeadersFor(request: FastifyRequest, actor: Actor | undefined): Record<string, string> {
  if (actor !== undefined) return { [WorkerHeaders.actor]: JSON.stringify(actor) };
  const headers: Record<string, string> = { [WorkerHeaders.clientAddress]: request.ip };
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') headers.authorization = authorization;
  return headers;
}

/** What the worker channel carries of a request: its operation, and for a record operation the resource and id. */
type ChannelCall = { op: 'query' | 'batch' } | { op: RecordOperation; resource: string; record?: string };

/** The data routes the worker channel carries: queries, batches and records' point operations. */
function channelOperation(request: FastifyRequest, name: string): ChannelCall | undefined {
  const route = request.routeOptions.url;
  if (route === '/api/db/:name/query' || route === '/api/db/:name/batch') {
    return request.method === 'POST' ? { op: route === '/api/db/:name/query' ? 'query' : 'batch' } : undefined;
  }
  const prefix = `/api/db/${name}/`;
  return route === '/api/db/:name/*' && request.url.startsWith(prefix) ? recordOperation(request.method, request.url.slice(prefix.length)) : undefined;
}

/** A JSON media type, as the worker's body parser accepts it (parameters such as charset aside). */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  return /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType);
}

/**
 * The request's body when all of it has arrived and is buffered (usually it came with the head), taken without
 * waiting; otherwise undefined, and nothing is taken (`readBody` waits for it). All of it is there once `length` bytes
 * (the Content-Length) are buffered: the parser cuts the stream at that length, so nothing more can belong to this
 * body. (`req.complete` is set only later, when the parser reports the message's end, which came after the lane had
 * looked in every request measured.)
 */
export function wholeBody(req: IncomingMessage, length: number): Buffer | undefined {
  if (req.readableLength !== length || req.destroyed) return undefined;
  const whole = req.read(length) as Buffer | null;
  if (whole !== null && whole.length === length) {
    // Read to its end, as a stream read whole is (nothing is left to discard).
    req.resume();
    return whole;
  }
  if (whole !== null) req.unshift(whole);
  return undefined;
}

/**
 * A request's body of known length, whole (bodies read into memory are small: the channel's, or BUFFER_LIMIT at most).
 * It may be read after checks that took a while (the admin key's first argon2 check, a worker starting): a client
 * gone by then is refused, not waited for.
 */
export function readBody(req: IncomingMessage, length: number): Promise<Buffer> {
  const whole = wholeBody(req, length);
  if (whole !== undefined) return Promise.resolve(whole);
  return new Promise((resolve, reject) => {
    // The client may have gone while the checks ran: no event would tell any more.
    if (req.destroyed || req.readableAborted) {
      reject(new Error('the client went away'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
    });
    req.once('end', () => {
      ended = true;
      if (size !== length) reject(new Error('the body ended short of its length'));
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.once('error', reject);
    req.once('close', () => {
      if (!ended) reject(new Error('the client went away'));
    });
  });
}

/** A reply's body, whole. */
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
  private hooks: HookGate | undefined;

  constructor(
    private readonly databases: DatabaseService,
    private readonly options: ForwarderOptions,
  ) {
    this.grace = options.interruptGraceMs ?? 2000;
  }

  /** Set once by the hook service at start. */
  useHooks(gate: HookGate): void {
    this.hooks = gate;
  }

  /**
   * `actor` is the platform caller the worker acts for; without one the request is a database end user's, whose own
   * credential (if any) goes to the worker, which checks it.
   */
  async forward(request: FastifyRequest, reply: FastifyReply, name: string, actor: Actor | undefined): Promise<FastifyReply> {
    let call = this.options.channel !== false ? channelOperation(request, name) : undefined;
    if (call !== undefined) {
      const sql = call.op === 'query' || call.op === 'batch';
      // SQL is for platform callers; a record write may need before-hooks, which take HTTP's two-step exchange, so
      // databases with webhooks keep their record operations on HTTP.
      if (sql ? actor === undefined : this.hooks?.headerFor(name) !== undefined) call = undefined;
    }
    if (call === undefined) return this.viaHttp(request, reply, name, actor, null);
    // (A reply is thenable, so the channel answers `true` rather than the reply itself.)
    const outcome = await this.viaChannel(request, reply, name, actor, call);
    if (outcome === true) return reply;
    // A read the channel already sent (its worker died under it) is tried once more over HTTP, and only once.
    return outcome === 'tried' ? this.viaHttp(request, reply, name, actor, null, true) : this.viaHttp(request, reply, name, actor, outcome);
  }

  /** The open channel of each worker, by its endpoint (a restarted worker has a new endpoint, so a new channel). */
  private readonly channels = new WeakMap<WorkerEndpoint, Promise<WorkerChannel | undefined>>();

  /** Every open channel, by its endpoint: to send on without waiting, and to close at shutdown. */
  private readonly open = new Map<WorkerEndpoint, WorkerChannel>();

  private channelOf(endpoint: WorkerEndpoint): Promise<WorkerChannel | undefined> {
    let channel = this.channels.get(endpoint);
    if (channel === undefined) {
      // Replies are as large as a result may be (up to 512 MiB per database, more for a batch); the worker is trusted.
      channel = WorkerChannel.open(endpoint, REPLY_FRAME_LIMIT);
      this.channels.set(endpoint, channel);
      void channel.then((opened) => {
        if (opened === undefined) {
          // A worker without a channel (an older image), or one too busy to answer the upgrade in time: its requests go
          // over HTTP, and it is asked again a little later.
          setTimeout(() => this.channels.delete(endpoint), CHANNEL_RETRY_MS).unref();
          return;
        }
        this.open.set(endpoint, opened);
        opened.onClose(() => {
          if (this.open.get(endpoint) === opened) this.open.delete(endpoint);
          this.channels.delete(endpoint);
        });
      });
    }
    return channel;
  }

  /** Closes the channels (the gateway is stopping). */
  close(): void {
    for (const channel of this.open.values()) channel.close();
    this.open.clear();
  }

  /**
   * A request over the worker channel: the same answer as over HTTP, for less work on both sides. Answers true once
   * answered; otherwise the request goes over HTTP after all (a body the channel does not carry: null; no channel: the
   * body already read, or an empty one; a read sent when its worker died: 'tried').
   */
  private async viaChannel(request: FastifyRequest, reply: FastifyReply, name: string, actor: Actor | undefined, call: ChannelCall): Promise<true | 'tried' | Buffer | null> {
    // Reads and deletes carry no body; the others a JSON body small enough to gather.
    const bodiless = call.op === 'read' || call.op === 'delete';
    if (bodiless ? hasBody(request.headers) : !this.carriesBody(request.headers)) return null;
    this.databases.require(name);
    const body = bodiless ? EMPTY : await readBody(request.raw, Number(request.headers['content-length']));
    const endpoint = await this.databases.endpoint(name);
    const channel = await this.readyChannel(endpoint);
    if (channel === undefined) return bodiless ? null : body;
    const sink: ReplySink = (status, headers, payload) => {
      reply.code(status);
      reply.headers(headers);
      reply.send(payload);
    };
    return this.overChannel(channel, endpoint, { ...call, name, ...this.identityOf(request, actor), requestId: request.id }, body, request.log, sink);
  }

  /** The worker's channel when it is open and a request sent now would leave on it, without waiting; or undefined. */
  openChannel(endpoint: WorkerEndpoint): WorkerChannel | undefined {
    const channel = this.open.get(endpoint);
    return channel !== undefined && channel.usable ? channel : undefined;
  }

  /** The worker's open channel, when a request sent now would leave on it (otherwise it goes over HTTP). */
  async readyChannel(endpoint: WorkerEndpoint): Promise<WorkerChannel | undefined> {
    const channel = await this.channelOf(endpoint);
    return channel !== undefined && channel.usable ? channel : undefined;
  }

  /**
   * Sends one request over a channel and hands the worker's answer to `sink` (a large reply as a stream from the worker).
   * Answers true once answered, or 'tried' for a read whose worker died under it (safe to send again over HTTP); throws
   * the error to answer otherwise.
   */
  async overChannel(
    channel: WorkerChannel,
    endpoint: WorkerEndpoint,
    header: Omit<ChannelRequestHeader, 'id'>,
    body: Buffer,
    log: FastifyBaseLogger,
    sink: ReplySink,
  ): Promise<true | 'tried'> {
    let answer;
    try {
      answer = await channel.request(header, body, this.deadlineOf(endpoint));
    } catch (error) {
      if (error instanceof ChannelTimeout) throw this.timedOut(log, endpoint);
      // A read that met the worker as it died is safe to repeat: over HTTP, which waits for the worker to be back.
      if (header.op === 'read') return 'tried';
      throw this.unreachable(log, endpoint, error);
    }
    const { header: replyHeader } = answer;
    if (replyHeader.outbox !== undefined) this.hooks?.outboxPending(header.name);
    if (replyHeader.status === 204) {
      sink(204, {}, undefined);
      return true;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    if (replyHeader.code !== undefined) headers[WorkerHeaders.errorCode] = replyHeader.code;
    if (replyHeader.retryAfter !== undefined) headers['retry-after'] = String(replyHeader.retryAfter);
    if (replyHeader.spill === undefined) {
      sink(replyHeader.status, headers, answer.body);
      return true;
    }
    // A large reply: the worker kept it, and it is streamed from there rather than held here.
    let spilled: Dispatcher.ResponseData;
    try {
      spilled = await endpoint.dispatcher.request({
        path: `${CHANNEL_SPILL_PATH}/${replyHeader.spill}`,
        method: 'GET',
        headers: { [WorkerHeaders.secret]: endpoint.secret, [REQUEST_ID_HEADER]: header.requestId },
        headersTimeout: this.deadlineOf(endpoint),
        bodyTimeout: 0,
      });
    } catch (error) {
      throw this.unreachable(log, endpoint, error);
    }
    if (spilled.statusCode !== 200) {
      await spilled.body.dump();
      throw new DbForgeError(
        'WORKER_UNAVAILABLE',
        `The worker of database '${header.name}' lost the reply before it could be sent; the request may have been applied.`,
      );
    }
    const size = spilled.headers['content-length'];
    if (typeof size === 'string') headers['content-length'] = size;
    sink(replyHeader.status, headers, spilled.body);
    return true;
  }

  /** Who a channel request is for: the platform caller, or a database end user's own credential (none: anonymous). */
  private identityOf(request: FastifyRequest, actor: Actor | undefined): { actor: string } | { authorization?: string } {
    if (actor !== undefined) return { actor: JSON.stringify(actor) };
    const authorization = request.headers.authorization;
    return typeof authorization === 'string' ? { authorization } : {};
  }

  /** A JSON body of a known length the channel takes whole (a larger one, or one of unknown length, is streamed). */
  carriesBody(headers: IncomingHttpHeaders): boolean {
    const length = Number(headers['content-length'] ?? -1);
    return length > 0 && length <= BUFFER_LIMIT && length <= this.options.maxBodyBytes && headers['transfer-encoding'] === undefined && isJson(headers['content-type']);
  }

  private async viaHttp(request: FastifyRequest, reply: FastifyReply, name: string, actor: Actor | undefined, read: Buffer | null, retried = false): Promise<FastifyReply> {
    const identityHeaders = identityHeadersFor(request, actor);
    this.databases.require(name);
    const hooks = this.hooks?.headerFor(name);
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > this.options.maxBodyBytes) {
      throw new DbForgeError(
        'PAYLOAD_TOO_LARGE',
        `The request body is larger than the limit of ${this.options.maxBodyBytes} bytes.`,
      );
    }
    let body: Buffer | Readable | null = read;
    if (body === null && hasBody(request.headers)) {
      if (length > 0 && length <= BUFFER_LIMIT) body = await readBody(request.raw, length);
      // A write to a database with webhooks may have to be sent twice (after its before-hooks): keep it whole.
      else body = hooks === undefined ? request.raw : await readLimited(request.raw, this.options.maxBodyBytes);
    }
    let endpoint = await this.databases.endpoint(name);
    let response: Dispatcher.ResponseData;
    try {
      response = await this.send(request, endpoint, body, hooks, identityHeaders);
    } catch (error) {
      // A read that met a worker as it died is safe to repeat once the worker is back; a write is not.
      if (retried || body !== null || request.method !== 'GET' || !(error instanceof DbForgeError) || error.code !== 'WORKER_UNAVAILABLE') {
        throw error;
      }
      endpoint = await this.databases.endpoint(name);
      response = await this.send(request, endpoint, null, hooks, identityHeaders);
    }
    if (hooks !== undefined) {
      if (response.statusCode === HOOK_REQUIRED_STATUS) {
        response = await this.afterBeforeHooks(request, name, body as Buffer | null, hooks, response, identityHeaders);
      }
      if (response.headers[WorkerHeaders.outbox] !== undefined) this.hooks!.outboxPending(name);
    }
    reply.code(response.statusCode);
    for (const header of PASSED_HEADERS) {
      const value = response.headers[header];
      if (value !== undefined) reply.header(header, value);
    }
    const size = Number(response.headers['content-length'] ?? -1);
    if (size >= 0 && size <= BUFFER_LIMIT) return reply.send(await readAll(response.body, size));
    if (size >= 0) reply.header('content-length', size);
    if (this.options.watchStream !== undefined && String(response.headers['content-type'] ?? '').startsWith('text/event-stream')) {
      // An event stream lasts as long as the client wants: it ends when the caller's access does.
      const body = response.body;
      const stop = this.options.watchStream(request, name, () => body.destroy());
      body.once('close', stop);
    }
    return reply.send(response.body);
  }

  /**
   * The worker asked for before-hooks (its internal 299): the gateway calls them (a veto, failure or timeout refuses
   * the write here), then sends the same request again with the verdict and the worker's token, which the worker checks
   * against the request and the record's current state before it commits.
   */
  private async afterBeforeHooks(
    request: FastifyRequest,
    name: string,
    body: Buffer | null,
    hooks: string,
    first: Dispatcher.ResponseData,
    identityHeaders: Record<string, string>,
  ): Promise<Dispatcher.ResponseData> {
    if (first.headers[WorkerHeaders.hookRequired] === undefined) throw new DbForgeError('INTERNAL_ERROR', 'The worker answered an unexpected status.');
    const required = (await first.body.json()) as HookRequiredReply;
    const sets = await this.hooks!.runBefore(name, required, request.id);
    const verdict = {
      [WorkerHeaders.hookToken]: required.token,
      [WorkerHeaders.hookVerdict]: Buffer.from(JSON.stringify({ sets })).toString('base64url'),
    };
    const response = await this.send(request, await this.databases.endpoint(name), body, hooks, { ...identityHeaders, ...verdict });
    if (response.statusCode === HOOK_REQUIRED_STATUS) {
      await response.body.dump();
      throw new DbForgeError('CONFLICT', 'The hooks of this write changed while it waited for them; send the request again.');
    }
    return response;
  }

  private async send(
    request: FastifyRequest,
    endpoint: WorkerEndpoint,
    body: Buffer | Readable | null,
    hooks: string | undefined,
    extra: Record<string, string>,
  ): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = {
      [WorkerHeaders.secret]: endpoint.secret,
      [REQUEST_ID_HEADER]: request.id,
    };
    if (hooks !== undefined) headers[WorkerHeaders.hooks] = hooks;
    Object.assign(headers, extra);
    // Server-Sent Events resume from the last event the client saw (the standard reconnect header).
    const lastEventId = request.headers['last-event-id'];
    if (typeof lastEventId === 'string') headers['last-event-id'] = lastEventId;
    const contentType = request.headers['content-type'];
    if (contentType !== undefined) headers['content-type'] = contentType;
    const contentLength = request.headers['content-length'];
    if (contentLength !== undefined) headers['content-length'] = contentLength;

    try {
      // A worker answers once its statement is done, so the time to the reply's headers is the statement's time.
      return await endpoint.dispatcher.request({
        path: request.url,
        method: request.method as Dispatcher.HttpMethod,
        headers,
        body,
        headersTimeout: this.deadlineOf(endpoint),
        bodyTimeout: 0,
      });
    } catch (error) {
      if ((error as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT') throw this.timedOut(request.log, endpoint);
      throw this.unreachable(request.log, endpoint, error);
    }
  }

  /** SQLite can't stop a statement from outside: the worker is ended and restarted; WAL keeps every commit. */
  /** How long a worker has to answer: the statement timeout, and for engines that stop their own statements a grace. */
  private deadlineOf(endpoint: WorkerEndpoint): number {
    return endpoint.settings.statementTimeoutMs + (ENGINE_CAPABILITIES[endpoint.engine].interruptible ? this.grace : 0);
  }

  private timedOut(log: FastifyBaseLogger, endpoint: WorkerEndpoint): DbForgeError {
    const timeoutMs = endpoint.settings.statementTimeoutMs;
    void this.databases.recycle(endpoint.name, 'statement timeout').catch((e: unknown) => log.error({ err: e }, 'restart after timeout failed'));
    return new DbForgeError(
      'TIMEOUT',
      `The statement ran longer than the statement timeout (${timeoutMs} ms) and was stopped; ` +
        `the worker of database '${endpoint.name}' was restarted.`,
    );
  }

  private unreachable(log: FastifyBaseLogger, endpoint: WorkerEndpoint, error: unknown): DbForgeError {
    log.warn({ err: error, db: endpoint.name }, 'worker unreachable');
    return new DbForgeError(
      'WORKER_UNAVAILABLE',
      `The worker of database '${endpoint.name}' stopped while handling this request and is being restarted; ` +
        'the request may not have been applied. Retry it if it is safe to repeat.',
      { cause: error },
    );
  }
}
