import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { DbForgeError, isValidDatabaseName, REQUEST_ID_HEADER, WorkerHeaders } from '@dbforge/contracts';
import { logFailure, retryAfterOf, toDbForgeError } from '@dbforge/server-kit';
import { isEndUserToken, presentedKey } from '../plugins/auth.js';
import { actorFor, type Actor } from '../plugins/access.js';
import type { Identity } from '../tenancy/access.js';
import type { DatabaseRecord } from '../catalog/catalog.js';
import type { EndpointMeter } from '../stats/metrics.js';
import { readBody, wholeBody } from './forwarder.js';
import { requestId } from '../request-id.js';

/** The requests the lane takes: a platform caller's SQL, by the exact path of its route (no query string). */
const SQL_PATH = /^\/api\/db\/([^/?#]+)\/(query|batch)$/;
const ROUTES = { query: '/api/db/:name/query', batch: '/api/db/:name/batch' } as const;
/** The endpoints as the gateway's stats name them (method and route). */
const ENDPOINTS = { query: `POST ${ROUTES.query}`, batch: `POST ${ROUTES.batch}` } as const;

/**
 * The address the start-up probe comes from: no TCP peer has it, so the pipeline's stats and metrics can leave the
 * probe out (a request nobody made).
 */
export const PROBE_ADDRESS = '0.0.0.0';

/** Headers of one reply, not of every reply. */
const PER_REPLY = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding', REQUEST_ID_HEADER]);

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The gateway's fast lane. A point select is a few microseconds of work for the worker; through Fastify's request
 * pipeline (routing, a dozen hooks, the reply's own hooks) the gateway's share was most of the request's cost. The
 * lane serves the hottest routes, `POST /api/db/{name}/query` and `/batch` of a platform caller, straight from the
 * HTTP server's request event, with the same steps the pipeline takes for them: the same authentication
 * (`identifyRequest`), tenant wall (`AccessControl.databaseFor`), per-credential rate limit (the same store as the
 * routes'), worker channel (`Forwarder.overChannel`), security headers, request id, stats and metrics.
 *
 * It takes only what it can answer exactly as the pipeline would, and decides before it reads a byte of the body:
 * anything else (another route, a query string, CORS, `Expect`, a body the channel does not carry, no credential, an
 * end user's token, a caller who may not read the database, a limit exceeded, a worker without a channel, a closing
 * gateway) goes to Fastify untouched, which answers it, errors and audit included. Once the body is read, the lane
 * answers itself, errors as the error envelope.
 */
export class FastLane {
  private closing = false;
  /** The headers the pipeline gives every reply (security headers, CORS's constant ones), as name/value pairs. */
  private fixedHeaders: string[] = [];
  /** The Prometheus meters of the lane's two endpoints. */
  private readonly meters: Record<'query' | 'batch', EndpointMeter>;

  constructor(
    private readonly app: FastifyInstance,
    private readonly log: FastifyBaseLogger,
  ) {
    this.meters = { query: app.metrics.endpoint('POST', ROUTES.query), batch: app.metrics.endpoint('POST', ROUTES.batch) };
  }

  /**
   * Learns the headers the pipeline's global hooks give every reply by asking it for one (`GET /health`, which no
   * rate limit counts): helmet's, and with CORS configured its constant ones for a call without an Origin. Replies of
   * the lane then carry exactly those, whatever plugins the gateway has. Call once the gateway is ready.
   */
  async learnHeaders(): Promise<void> {
    const probe = await this.app.inject({ method: 'GET', url: '/health', remoteAddress: PROBE_ADDRESS });
    const pairs: string[] = [];
    for (const [name, value] of Object.entries(probe.headers)) {
      if (value === undefined || PER_REPLY.has(name)) continue;
      for (const one of Array.isArray(value) ? value : [value]) pairs.push(name, String(one));
    }
    this.fixedHeaders = pairs;
  }

  /** The gateway is stopping: requests go to Fastify, which answers 503 while it closes. */
  close(): void {
    this.closing = true;
  }

  /** Serves the request, or hands it to `fastify` (Fastify's own handler) unread. */
  take(req: IncomingMessage, res: ServerResponse, fastify: Handler): void {
    const match = this.closing || req.method !== 'POST' ? null : SQL_PATH.exec(req.url ?? '');
    const headers = req.headers;
    if (
      match === null ||
      !isValidDatabaseName(match[1]) ||
      headers.origin !== undefined ||
      headers.expect !== undefined ||
      !this.app.forwarder.carriesBody(headers)
    ) {
      fastify(req, res);
      return;
    }
    const credential = presentedKey(headers);
    if (credential === undefined || isEndUserToken(credential)) {
      fastify(req, res);
      return;
    }
    // (The operation as a constant: the matched text would be looked up in the string table at every use as a key.)
    void this.serve(req, res, match[1]!, match[2] === 'query' ? 'query' : 'batch', credential, fastify);
  }

  private async serve(req: IncomingMessage, res: ServerResponse, name: string, op: 'query' | 'batch', credential: string, fastify: Handler): Promise<void> {
    const started = performance.now();
    const app = this.app;
    const identified = app.identifyRequest(credential);
    // Anything the lane does not answer goes to Fastify with the lane's verdict, which its hook then uses (the credential
    // is not checked twice); Fastify answers it (a refusal, with its audit) and counts it. Only a request over the
    // per-key limit reaches Fastify counted already (see `count`).
    const handOver = () => {
      app.keepVerdict(req, credential, identified);
      fastify(req, res);
    };
    let identity: Identity | undefined;
    if (identified instanceof Promise) {
      try {
        identity = await identified;
      } catch {
        handOver();
        return;
      }
    } else identity = identified;
    // On the hot path nothing below waits until the request is sent but the per-key limiter, when that limit is
    // configured (it answers asynchronously), one microtask for the body that came with the head, and a body that did
    // not; the waiting path is for a worker or channel that is not ready.
    const checked = identity === undefined ? undefined : this.check(name, identity);
    if (checked === undefined) {
      handOver();
      return;
    }
    const id = requestId(req);
    const log = this.log;
    let rateHeaders: string[] = [];
    const answer = (status: number, extra: Record<string, string>, body: Buffer | Readable | undefined) => {
      // Flat name/value pairs: the pipeline's headers learnt at start, then this reply's own.
      const headers = this.fixedHeaders.concat(rateHeaders);
      for (const key in extra) headers.push(key, extra[key]!);
      headers.push(REQUEST_ID_HEADER, id);
      // A whole body goes with its length (headers written ahead of the body would otherwise be chunked).
      if (Buffer.isBuffer(body)) headers.push('content-length', String(body.length));
      // Counted once the reply has gone, as the pipeline counts (a client that left is not counted).
      const record = () => {
        const code = extra[WorkerHeaders.errorCode];
        app.stats.record(ENDPOINTS[op], status, code);
        this.meters[op].observe(status, (performance.now() - started) / 1000, code);
        app.metrics.laneServed();
      };
      res.writeHead(status, headers);
      if (body === undefined || Buffer.isBuffer(body)) {
        // A whole reply is handed to the socket at once: answered unless the client had already left.
        if (res.destroyed) return;
        res.end(body);
        record();
      } else {
        // A spilled reply, streamed from the worker; a client that went away (even before this) lets go of it.
        res.once('finish', record);
        pipeline(body, res, () => {});
      }
    };
    // Answers an error as the envelope. It never throws (a throw would end the gateway: nothing waits for `serve`); a
    // reply already begun can only be cut off.
    const fail = (error: unknown) => {
      const mapped = toDbForgeError(error);
      logFailure(log, error, mapped, { reqId: id, method: 'POST', url: req.url });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const retryAfter = retryAfterOf(mapped);
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', [WorkerHeaders.errorCode]: mapped.code };
      if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
      try {
        answer(mapped.status, headers, Buffer.from(JSON.stringify(mapped.toEnvelope())));
      } catch (thrown) {
        log.error({ err: thrown, reqId: id }, 'the fast lane could not answer an error');
        res.destroy();
      }
    };
    // A client gone during the checks: no worker is started for it.
    if (req.destroyed) return;
    let endpoint = app.databases.runningEndpoint(name);
    let channel = endpoint === undefined ? undefined : app.forwarder.openChannel(endpoint);
    if (endpoint === undefined || channel === undefined) {
      // A caller over the per-key limit does not wake a stopped worker: Fastify answers its 429, and counts it once.
      if (!(await this.withinLimit(req))) {
        handOver();
        return;
      }
      try {
        endpoint = await app.databases.endpoint(name);
        channel = await app.forwarder.readyChannel(endpoint);
      } catch (error) {
        await oneAtATime(app);
        // A worker that can't start: counted and answered here, as the pipeline would (from Fastify it would be started
        // a second time); a tenant over its quota is answered that, as the pipeline checks the quota first.
        let counted = this.count(req, checked);
        if (counted instanceof Promise) counted = await counted.catch(() => undefined);
        if (counted === undefined) handOver();
        else {
          rateHeaders = counted.headers;
          fail(counted.refusal ?? error);
        }
        return;
      }
      await oneAtATime(app);
    }
    // A worker without a usable channel (an older image, or one too busy to answer the upgrade) goes over HTTP, which
    // only the pipeline does; nothing was counted yet. So does everything once the gateway is closing.
    if (channel === undefined || this.closing) {
      handOver();
      return;
    }
    let counted = this.count(req, checked);
    // A limit store that fails: Fastify's own limit answers (or lets the request through), as for any request.
    if (counted instanceof Promise) counted = await counted.catch(() => undefined);
    if (counted === undefined) {
      handOver();
      return;
    }
    rateHeaders = counted.headers;
    if (counted.refusal !== undefined) {
      fail(counted.refusal);
      return;
    }
    const length = Number(req.headers['content-length']);
    let body = wholeBody(req, length);
    if (body === undefined && !req.destroyed) {
      // Reached within the request event itself (nothing above waited): the body that came with the head is parsed
      // only once the event is over, and is there after one microtask.
      await null;
      body = wholeBody(req, length);
    }
    if (body === undefined) {
      try {
        body = await readBody(req, length);
      } catch {
        // The client went away mid-body: nothing to answer.
        res.destroy();
        return;
      }
    }
    try {
      const header = { op, name, actor: JSON.stringify(checked.actor), requestId: id };
      await app.forwarder.overChannel(channel, endpoint, header, body, log, answer);
    } catch (error) {
      fail(error);
    }
  }

  /**
   * What the pipeline checks before it sends a request on, without counting anything: the caller's access to the
   * database and its tenant's quota. Undefined when Fastify should answer it (a request handed to Fastify is then
   * counted there). The per-key limit is not read here: on the hot path the count itself tells (see `count`).
   */
  private check(name: string, identity: Identity): Checked | undefined {
    if (this.closing) return undefined;
    const access = this.app.access;
    try {
      // A database the caller can't see or read: Fastify answers 404 or 403.
      const found = access.databaseFor(identity, name, 'read', false);
      // The tenant over its quota: Fastify answers 429 (so a stopped worker is not woken).
      if (!access.withinQuota(found.record)) return undefined;
      return { record: found.record, actor: actorFor(identity, found.capabilities) };
    } catch (error) {
      // Whatever failed (a catalogue closing under a stopping gateway), Fastify answers it as it would any request; a
      // failure other than a refusal is logged, so that a fault of the lane's own does not pass unseen.
      if (!(error instanceof DbForgeError) && !this.closing) this.log.warn({ err: error }, 'the fast lane handed a request on after its check failed');
      return undefined;
    }
  }

  /** Whether the caller is within the per-key limit now, read without counting (true when there is no such limit). */
  private async withinLimit(req: IncomingMessage): Promise<boolean> {
    const limiter = this.app.platformRateLimit;
    if (limiter === undefined) return true;
    try {
      return ((await limiter(limitRequest(req), { increment: false })).remaining ?? 1) > 0;
    } catch {
      return false;
    }
  }

  /**
   * Counts the request against the per-key limit, then its tenant's quota, as the pipeline does (its rate-limit hook,
   * then the route's access check). Over the per-key limit: undefined, and Fastify answers the 429; its hook counts the
   * request again, which changes nothing, the window being exceeded already (a count past the limit moves neither the
   * window's end nor the reply's headers: no ban, no backoff configured). Over the tenant's quota (another request took
   * the last of it since the check): the refusal, for the lane to answer with the per-key limit's headers, as the
   * pipeline would, so that the request is counted once. Answers at once unless a per-key limit is configured.
   */
  private count(req: IncomingMessage, checked: Checked): Counted | undefined | Promise<Counted | undefined> {
    const limiter = this.app.platformRateLimit;
    if (limiter === undefined) return { headers: [], refusal: this.tenantRefusal(checked) };
    return limiter(limitRequest(req)).then((verdict) => {
      if (verdict.isExceeded === true) return undefined;
      const headers = verdict.isAllowed
        ? []
        : ['x-ratelimit-limit', String(verdict.max), 'x-ratelimit-remaining', String(verdict.remaining), 'x-ratelimit-reset', String(verdict.ttlInSeconds)];
      return { headers, refusal: this.tenantRefusal(checked) };
    });
  }

  /** Counts the request against its tenant's quota: the refusal when it is over it, otherwise undefined. */
  private tenantRefusal(checked: Checked): unknown {
    try {
      this.app.access.throttleFor(checked.record);
      return undefined;
    } catch (error) {
      return error;
    }
  }
}

/**
 * Lets requests that waited together (for the same worker to start, or its channel to open) go on one at a time, each
 * in its own `setImmediate` callback (Node runs the microtasks of one before the next), when a per-key limit is
 * configured. Released in the same turn, they would all be counted before any of
 * them read its count: @fastify/rate-limit's in-memory store hands out its live counter and the limiter reads it after
 * an await, so every one of them saw the whole burst's count and a burst over the limit was refused entirely, where
 * the pipeline serves the allowance and refuses the rest. Only the waiting path pays this.
 */
function oneAtATime(app: FastifyInstance): Promise<void> | undefined {
  return app.platformRateLimit === undefined ? undefined : new Promise((resolve) => setImmediate(resolve));
}

/** What the per-key limit reads of a request (its key generator and allow-list). */
function limitRequest(req: IncomingMessage): { headers: IncomingMessage['headers']; url: string; ip: string } {
  return { headers: req.headers, url: req.url ?? '', ip: req.socket.remoteAddress ?? '' };
}

interface Checked {
  record: DatabaseRecord;
  actor: Actor;
}

/** A counted request: the per-key limit's reply headers, and the tenant quota's refusal if it was over it. */
interface Counted {
  headers: string[];
  refusal: unknown;
}

