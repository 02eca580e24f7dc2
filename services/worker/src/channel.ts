import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  BatchBodyWireSchema,
  DbForgeError,
  Errors,
  QueryBodySchema,
  RecordParamsSchema,
  ResourceParamsSchema,
  WorkerHeaders,
  type BatchBody,
  type QueryBody,
} from '@dbforge/contracts';
import {
  CHANNEL_PATH,
  CHANNEL_PROTOCOL,
  CHANNEL_SPILL_BYTES,
  CHANNEL_SPILL_PATH,
  encodeFrame,
  FrameError,
  FrameReader,
  FrameWriter,
  logFailure,
  parseJsonBody,
  RECORD_OPERATION_METHODS,
  problemsFromAjv,
  retryAfterOf,
  toDbForgeError,
  validatorCompiler,
  type ChannelReplyHeader,
  type ChannelRequestHeader,
  type Frame,
  type RecordOperation,
} from '@dbforge/server-kit';
import { isFatalDuckDbError, type Actor, type DatabaseAdapter, type ResourceEngine } from '@dbforge/engine';
import { runBatch, runQuery } from './routes/data.js';
import { RECORD_OPERATIONS } from './routes/resources.js';
import { endUserFor, parseActor, readOnlyRefusal, sameSecret, writeContext } from './request-context.js';

/**
 * How long the frames of one chunk may run before the replies so far are written and the rest waits for the next turn
 * of the event loop (well under any statement deadline; a point select takes microseconds, so chunks of them are never
 * cut).
 */
const TURN_BUDGET_MS = 20;

/** How long a spilled reply waits to be fetched before it is dropped (the gateway fetches it at once). */
const SPILL_TTL_MS = 60_000;

/**
 * Replies too large for a frame, kept until the gateway fetches them (once) over HTTP and streams them to its client:
 * the body stays in this worker's memory, which the database's own limits bound, not in the gateway's, which every
 * database shares.
 */
class SpilledReplies {
  private readonly bodies = new Map<string, { body: string; timer: NodeJS.Timeout }>();

  keep(body: string): string {
    const token = randomBytes(16).toString('hex');
    const timer = setTimeout(() => this.bodies.delete(token), SPILL_TTL_MS);
    timer.unref();
    this.bodies.set(token, { body, timer });
    return token;
  }

  take(token: string): string | undefined {
    const kept = this.bodies.get(token);
    if (kept === undefined) return undefined;
    this.bodies.delete(token);
    clearTimeout(kept.timer);
    return kept.body;
  }
}

export interface ChannelOptions {
  name: string;
  secret: Buffer;
  adapter: DatabaseAdapter;
  /** The resource engine, for record operations. */
  resources: ResourceEngine;
  /** Checks a database end user's token (record operations without a platform caller). */
  authenticate: (token: string) => Promise<Actor | undefined>;
  maxBodyBytes: number;
  log: FastifyBaseLogger;
  onFatal?: ((error: unknown) => void) | undefined;
}

/**
 * The same validators Fastify uses for these routes' bodies, so that a bad body is described in the same words. Made on
 * first use, once the shared schemas are registered.
 */
type ValidateFunction = { (data: unknown): boolean; errors?: Parameters<typeof problemsFromAjv>[0] | null };
let validators: { query: ValidateFunction; batch: ValidateFunction; resource: ValidateFunction; record: ValidateFunction } | undefined;
function validatorsNow(): NonNullable<typeof validators> {
  const compile = (schema: object, httpPart: string, url: string) => validatorCompiler({ schema, httpPart, method: 'POST', url }) as unknown as ValidateFunction;
  validators ??= {
    query: compile(QueryBodySchema, 'body', '/api/db/:name/query'),
    batch: compile(BatchBodyWireSchema, 'body', '/api/db/:name/batch'),
    resource: compile(ResourceParamsSchema, 'params', '/api/db/:name/resources/:resource'),
    record: compile(RecordParamsSchema, 'params', '/api/db/:name/resources/:resource/:id'),
  };
  return validators;
}

/** The body validator of a query or batch. */
function validatorFor(op: string): ValidateFunction | undefined {
  return op === 'query' ? validatorsNow().query : op === 'batch' ? validatorsNow().batch : undefined;
}

function isRecordOperation(op: string): op is RecordOperation {
  return Object.hasOwn(RECORD_OPERATIONS, op);
}

/** The route a record operation is over HTTP (`METHOD /pattern`), for the end-user check. */
function recordRoute(op: RecordOperation): string {
  return `${RECORD_OPERATION_METHODS[op]} /api/db/:name/resources/:resource${op === 'create' ? '' : '/:id'}`;
}

/**
 * A record operation, checked as its HTTP route checks it (the body's JSON, a read-only caller, the path's parameters),
 * then run by the same code. Answers the status and the reply's body (none for 204).
 */
async function runRecord(op: RecordOperation, header: ChannelRequestHeader, body: Buffer, options: ChannelOptions): Promise<{ status: number; payload: string; outbox: number }> {
  // A platform caller as the gateway vouches for them, or a database end user by their own token (or anonymous).
  const actor = header.actor !== undefined ? parseActor(header.actor) : await endUserFor(header.authorization, recordRoute(op), undefined, options.authenticate);
  const parsed = body.length > 0 ? parseJsonBody(body.toString('utf8')) : undefined;
  if (op !== 'read' && actor.readonly === true) throw readOnlyRefusal();
  const params = { name: header.name, resource: header.resource, ...(op === 'create' ? {} : { id: header.record }) };
  const validate = op === 'create' ? validatorsNow().resource : validatorsNow().record;
  if (!validate(params)) throw Errors.validation(problemsFromAjv(validate.errors ?? [], 'params'));
  const path = `/api/db/${header.name}/resources/${params.resource}${op === 'create' ? '' : `/${params.id}`}`;
  const context = writeContext({ method: RECORD_OPERATION_METHODS[op], url: path, actor, body: parsed, hooks: new Set(), requestId: header.requestId });
  const { status, run } = RECORD_OPERATIONS[op];
  const result = await run(options.resources, { resource: params.resource!, id: params.id ?? '', body: parsed, context });
  return { status, payload: status === 204 ? '' : JSON.stringify(result.value), outbox: result.outboxed };
}

/**
 * Serves the gateway's channel on the worker's own listener: an HTTP upgrade to `CHANNEL_PATH` with the worker's
 * secret, then frames. Each request is answered exactly as its HTTP route would answer it (status, error code and
 * body), through the same code. Other upgrades (WebSockets) go where they went before.
 */
export function attachChannel(app: FastifyInstance, options: ChannelOptions): void {
  const state: ChannelState = { closing: false, inFlight: 0, sockets: new Set(), spilled: new SpilledReplies() };
  // A spilled reply, fetched once by the gateway (the worker secret is checked for every route).
  app.get(`${CHANNEL_SPILL_PATH}/:token`, async (request: FastifyRequest, reply: FastifyReply) => {
    const body = state.spilled.take((request.params as { token: string }).token);
    if (body === undefined) throw new DbForgeError('NOT_FOUND', 'This reply was fetched already or has expired.');
    return reply.type('application/json; charset=utf-8').send(body);
  });
  const server = app.server;
  const others = server.listeners('upgrade') as ((request: IncomingMessage, socket: Duplex, head: Buffer) => void)[];
  server.removeAllListeners('upgrade');
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (request.url !== CHANNEL_PATH || request.headers.upgrade !== CHANNEL_PROTOCOL) {
      for (const listener of others) listener.call(server, request, socket, head);
      return;
    }
    if (state.closing || !sameSecret(request.headers[WorkerHeaders.secret], options.secret)) {
      // Node takes the server's error handling off an upgraded socket: without a listener, a reset would end the worker.
      socket.on('error', () => socket.destroy());
      socket.end(`HTTP/1.1 ${state.closing ? '503 Service Unavailable' : '401 Unauthorized'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${CHANNEL_PROTOCOL}\r\nConnection: Upgrade\r\n\r\n`);
    serve(socket, head, options, state);
  });
  // A stopping worker answers what it has taken, then ends its channels (the server would otherwise wait for them).
  app.addHook('preClose', async () => {
    state.closing = true;
    while (state.inFlight > 0) await new Promise<void>((resolve) => (state.idle = resolve));
    await new Promise((resolve) => setImmediate(resolve));
    for (const socket of state.sockets) socket.end();
  });
}

interface ChannelState {
  closing: boolean;
  /** Requests taken and not yet answered, over every channel. */
  inFlight: number;
  idle?: (() => void) | undefined;
  sockets: Set<Duplex>;
  spilled: SpilledReplies;
}

function serve(socket: Duplex, head: Buffer, options: ChannelOptions, state: ChannelState): void {
  state.sockets.add(socket);
  socket.once('close', () => state.sockets.delete(socket));
  const reader = new FrameReader<ChannelRequestHeader>(options.maxBodyBytes + 64 * 1024);
  const writer = new FrameWriter(socket);
  const send = (header: ChannelReplyHeader, body: string) =>
    writer.send(body.length > CHANNEL_SPILL_BYTES ? encodeFrame({ ...header, spill: state.spilled.keep(body) }) : encodeFrame(header, body));
  // Frames are in flight from the moment they are read (a stopping worker waits for the queued ones too).
  const take = (frame: Frame<ChannelRequestHeader>) => {
    void handle(frame.header, frame.body, options, state.closing, send).finally(() => {
      state.inFlight -= 1;
      if (state.inFlight === 0) state.idle?.();
    });
  };
  // Frames of one chunk run one after the other (SQLite is synchronous) and their replies leave together once the turn
  // ends. A chunk whose statements take long is cut: after TURN_BUDGET_MS the replies so far are written and the rest
  // of the chunk waits for the next turn, so that quick requests are never held behind slow ones for long.
  let waiting: Frame<ChannelRequestHeader>[] = [];
  const run = () => {
    const frames = waiting;
    waiting = [];
    const start = performance.now();
    for (let i = 0; i < frames.length; i++) {
      if (i > 0 && performance.now() - start > TURN_BUDGET_MS) {
        waiting = frames.slice(i).concat(waiting);
        setImmediate(() => {
          writer.flush();
          run();
        });
        return;
      }
      take(frames[i]!);
    }
  };
  const onData = (chunk: Buffer) => {
    let frames: Frame<ChannelRequestHeader>[];
    let fault: FrameError<ChannelRequestHeader> | undefined;
    try {
      frames = reader.push(chunk);
    } catch (error) {
      fault = error instanceof FrameError ? (error as FrameError<ChannelRequestHeader>) : new FrameError(String(error), []);
      frames = fault.frames;
    }
    if (frames.length > 0) {
      state.inFlight += frames.length;
      // Frames that arrive while a cut chunk waits queue behind it, in order.
      const idle = waiting.length === 0;
      waiting.push(...frames);
      if (idle) run();
    }
    if (fault !== undefined) {
      options.log.warn({ err: fault }, 'channel closed: malformed frame');
      socket.destroy();
    }
  };
  socket.on('data', onData);
  // The HTTP server's sockets are half-open by default: when the gateway ends the channel, end it here too.
  socket.on('end', () => socket.end());
  socket.on('error', (error) => options.log.debug({ err: error }, 'channel error'));
  if (head.length > 0) onData(head);
}

async function handle(
  header: ChannelRequestHeader,
  body: Buffer,
  options: ChannelOptions,
  closing: boolean,
  send: (header: ChannelReplyHeader, body: string) => void,
): Promise<void> {
  try {
    if (closing) throw new DbForgeError('WORKER_UNAVAILABLE', `The worker of database '${options.name}' is stopping; retry shortly.`);
    if (header.name !== options.name) throw Errors.databaseNotFound();
    // The gateway keeps to the same limit; a worker started with a lower one still holds to its own, as over HTTP.
    if (body.length > options.maxBodyBytes) {
      throw new DbForgeError('PAYLOAD_TOO_LARGE', `The request body is larger than the limit of ${options.maxBodyBytes} bytes.`);
    }
    if (isRecordOperation(header.op)) {
      // Without before-hooks: the gateway sends a record operation here only for a database without webhooks.
      const answer = await runRecord(header.op, header, body, options);
      send({ id: header.id, status: answer.status, ...(answer.outbox > 0 ? { outbox: answer.outbox } : {}) }, answer.payload);
      return;
    }
    // SQL is for platform callers only.
    if (header.actor === undefined) throw Errors.missingApiKey();
    const actor = parseActor(header.actor);
    const parsed = parseJsonBody(body.toString('utf8'));
    const validate = validatorFor(header.op);
    if (validate === undefined) throw new DbForgeError('BAD_REQUEST', `Unknown channel operation '${String(header.op)}'.`);
    if (!validate(parsed)) throw Errors.validation(problemsFromAjv(validate.errors ?? [], 'body'));
    const context = { actor: { id: actor.id, roles: actor.roles }, requestId: header.requestId, source: 'sql' as const };
    const payload =
      header.op === 'query'
        ? await runQuery(options.adapter, parsed as QueryBody, actor, context)
        : await runBatch(options.adapter, parsed as BatchBody, actor, context);
    send({ id: header.id, status: 200 }, JSON.stringify(payload));
  } catch (error) {
    const mapped = toDbForgeError(error, { limits: { maxBodyBytes: options.maxBodyBytes } });
    logFailure(options.log.child({ reqId: header.requestId }), error, mapped, { op: header.op });
    const retryAfter = retryAfterOf(mapped);
    send(
      { id: header.id, status: mapped.status, code: mapped.code, ...(retryAfter !== undefined ? { retryAfter } : {}) },
      JSON.stringify(mapped.toEnvelope()),
    );
    if (options.onFatal && (isFatalDuckDbError(error) || isFatalDuckDbError((error as { cause?: unknown }).cause))) {
      options.onFatal((error as { cause?: unknown }).cause ?? error);
    }
  }
}
