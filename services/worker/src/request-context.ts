import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Value } from '@sinclair/typebox/value';
import { ActorSchema, DbForgeError, Errors, HOOK_REQUIRED_STATUS, WorkerHeaders } from '@dbforge/contracts';
import { HookRequired, type Actor, type ChangeContext, type HookVerdict, type RequestContext } from '@dbforge/engine';

/** Who writes and why, recorded with the change events of a write (the event log). */
export function changeContext(request: FastifyRequest, source: ChangeContext['source']): ChangeContext {
  const actor = actorOf(request);
  return { actor: { id: actor.id, roles: actor.roles }, requestId: request.id, source };
}

/**
 * The acting identity. The gateway sets `x-dbforge-actor` for every platform caller; the worker trusts it because only
 * the gateway reaches it (every request carries the per-worker secret), and the gateway never passes the header on
 * from a client. A request without it comes from none of the platform's callers, and is refused.
 */
export function actorOf(request: FastifyRequest): Actor {
  const endUser = (request as { endUserActor?: Actor }).endUserActor;
  if (endUser !== undefined) return endUser;
  const header = request.headers[WorkerHeaders.actor];
  if (typeof header !== 'string' || header === '') throw Errors.missingApiKey();
  return parseActor(header);
}

/**
 * Actors already checked, by their header: the gateway sends the same few (one per key or member) again and again, and
 * checking one against the schema costs more than the rest of a point read. Bounded; cleared when full.
 */
const checkedActors = new Map<string, Actor>();
const CHECKED_ACTORS_LIMIT = 256;

/** The acting platform caller the gateway sent (`x-dbforge-actor`, or the same JSON in a channel frame). */
export function parseActor(header: string): Actor {
  const known = checkedActors.get(header);
  if (known !== undefined) return copyActor(known);
  const actor = checkActor(header);
  if (checkedActors.size >= CHECKED_ACTORS_LIMIT) checkedActors.clear();
  checkedActors.set(header, copyActor(actor));
  return actor;
}

/** A copy for each request, so that no request can change what the next one gets. */
function copyActor(actor: Actor): Actor {
  return { ...actor, roles: [...actor.roles] };
}

function checkActor(header: string): Actor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(header);
  } catch {
    parsed = undefined;
  }
  if (!Value.Check(ActorSchema, parsed)) throw new DbForgeError('BAD_REQUEST', `The ${WorkerHeaders.actor} header is not {"id": string, "roles": string[]}.`);
  return parsed;
}

/** Hook names with a webhook configured, as the gateway lists them on every request. */
export function hooksOf(request: FastifyRequest): Set<string> {
  const header = request.headers[WorkerHeaders.hooks];
  if (typeof header !== 'string' || header === '') return new Set();
  return new Set(header.split(',').map((h) => h.trim()).filter(Boolean));
}

function verdictOf(request: FastifyRequest): HookVerdict | undefined {
  const token = request.headers[WorkerHeaders.hookToken];
  if (typeof token !== 'string' || token === '') return undefined;
  const raw = request.headers[WorkerHeaders.hookVerdict];
  let sets: HookVerdict['sets'] = {};
  if (typeof raw === 'string' && raw !== '') {
    try {
      const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { sets?: HookVerdict['sets'] };
      sets = parsed.sets ?? {};
    } catch {
      throw new DbForgeError('BAD_REQUEST', 'The hook verdict is not readable.');
    }
  }
  return { token, sets };
}

/** What a write needs to know about its request: who, which hooks, and (re-sent after hooks) the verdict. */
export function requestContext(request: FastifyRequest, body: unknown = request.body): RequestContext {
  return writeContext({ method: request.method, url: request.url, actor: actorOf(request), body, hooks: hooksOf(request), verdict: verdictOf(request), requestId: request.id });
}

/**
 * A write's context from its parts (an HTTP request's, or a channel frame's). The fingerprint, which ties a hook
 * verdict to the request it was given for, is only needed by writes with before-hooks, so it is computed on first use.
 */
export function writeContext(parts: { method: string; url: string; actor: Actor; body: unknown; hooks: ReadonlySet<string>; verdict?: HookVerdict | undefined; requestId: string }): RequestContext {
  let fingerprint: string | undefined;
  return {
    actor: parts.actor,
    hooks: parts.hooks,
    verdict: parts.verdict,
    requestId: parts.requestId,
    get fingerprint() {
      fingerprint ??= crypto
        .createHash('sha256')
        .update(`${parts.method} ${parts.url}\n${JSON.stringify(parts.actor)}\n${parts.body === undefined ? '' : JSON.stringify(parts.body)}`)
        .digest('base64url');
      return fingerprint;
    },
  };
}

/** A read-only caller (a read-only key, a viewer) on a route that writes. */
export function readOnlyRefusal(): DbForgeError {
  return new DbForgeError('FORBIDDEN', 'This caller may only read (a read-only key or a viewer).');
}

/** Runs a write; a write waiting for before-hooks answers the gateway's internal 299 instead of a result. */
export async function withHooks<T>(reply: FastifyReply, write: () => Promise<{ value: T; outboxed: number }>, respond: (value: T) => FastifyReply | Promise<FastifyReply>): Promise<FastifyReply> {
  let result: { value: T; outboxed: number };
  try {
    result = await write();
  } catch (error) {
    if (error instanceof HookRequired) {
      return reply
        .code(HOOK_REQUIRED_STATUS)
        .header(WorkerHeaders.hookRequired, '1')
        .type('application/json')
        .send(JSON.stringify({ token: error.token, calls: error.calls }));
    }
    throw error;
  }
  if (result.outboxed > 0) reply.header(WorkerHeaders.outbox, String(result.outboxed));
  return respond(result.value);
}

/** The bearer credential of a request (a database end user's `dbu_` token). */
export function bearerToken(request: FastifyRequest): string | undefined {
  return bearerOf(request.headers.authorization);
}

/** The bearer credential in an `Authorization` header's value. */
function bearerOf(authorization: string | string[] | undefined): string | undefined {
  const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match ? match[1] : undefined;
}

export const ANONYMOUS: Actor = { id: 'anonymous', roles: [], kind: 'anonymous' };

/**
 * What a database's end users may reach, by method and route pattern (what the router matched, never the raw URL,
 * which percent-encoding can disguise): its records (with their files) as their permissions allow, its list of
 * resources, its API document, their own accounts, and the live changes of what they may read. Exports, imports,
 * history, reads as of a past time, schemas, the event log, tables and SQL are for the database's administrators.
 */
const END_USER_ROUTES = new Set([
  'GET /api/db/:name/resources',
  'GET /api/db/:name/resources/:resource',
  'POST /api/db/:name/resources/:resource',
  'POST /api/db/:name/resources/:resource/bulk',
  'GET /api/db/:name/resources/:resource/:id',
  'PUT /api/db/:name/resources/:resource/:id',
  'PATCH /api/db/:name/resources/:resource/:id',
  'DELETE /api/db/:name/resources/:resource/:id',
  'GET /api/db/:name/resources/:resource/:id/files/:field',
  'PUT /api/db/:name/resources/:resource/:id/files/:field',
  'DELETE /api/db/:name/resources/:resource/:id/files/:field',
  'GET /api/db/:name/openapi.json',
  'POST /api/db/:name/auth/signup',
  'POST /api/db/:name/auth/login',
  'POST /api/db/:name/auth/logout',
  'POST /api/db/:name/auth/password',
  'GET /api/db/:name/auth/me',
  // Their answers say who may (401 without a token, 403 with an end user's).
  'GET /api/db/:name/auth/users',
  'PATCH /api/db/:name/auth/users/:user',
  'DELETE /api/db/:name/auth/users/:user',
  'GET /api/db/:name/realtime',
  'GET /api/db/:name/events/stream',
]);

/** What describes the database as a whole (its resources, its API document): for its signed-in users, not anyone. */
const SIGNED_IN_ONLY = new Set(['GET /api/db/:name/resources', 'GET /api/db/:name/openapi.json']);

function endUserMayReach(route: string, query: Record<string, unknown> | undefined, actor: Actor): boolean {
  if (!END_USER_ROUTES.has(route)) return false;
  if (actor.kind === 'anonymous' && SIGNED_IN_ONLY.has(route)) return false;
  // A record as it was (`as_of`) comes from the event log, which is the administrators'.
  return query?.as_of === undefined;
}

/**
 * The database end user a request without a platform caller acts for (their token, or none: anonymous), on a route
 * (`METHOD /pattern`) they may reach; otherwise the refusal. For HTTP requests and the gateway's channel alike.
 */
export async function endUserFor(
  authorization: string | string[] | undefined,
  route: string,
  query: Record<string, unknown> | undefined,
  authenticate: (token: string) => Promise<Actor | undefined>,
): Promise<Actor> {
  const token = bearerOf(authorization);
  let actor: Actor = ANONYMOUS;
  if (token !== undefined) {
    const user = await authenticate(token);
    if (user === undefined) throw new DbForgeError('UNAUTHORIZED', 'Invalid or expired token: sign in to this database again.');
    actor = user;
  }
  if (!endUserMayReach(route, query, actor)) {
    throw actor.kind === 'anonymous'
      ? Errors.missingApiKey()
      : new DbForgeError('FORBIDDEN', "This is for the database's administrators: a platform key or member.");
  }
  return actor;
}

/**
 * Every database route needs a caller. One the gateway forwarded with an actor is a platform caller's; one without is a
 * database end user's (their token, or none: anonymous), and may reach the end-user routes only. A route the router
 * did not match is left to the not-found answer.
 */
export async function resolveEndUser(request: FastifyRequest, authenticate: (token: string) => Promise<Actor | undefined>): Promise<void> {
  const pattern = request.routeOptions.url;
  if (request.headers[WorkerHeaders.actor] !== undefined || pattern === undefined || !pattern.startsWith('/api/db/')) return;
  const actor = await endUserFor(request.headers.authorization, `${request.method} ${pattern}`, request.query as Record<string, unknown> | undefined, authenticate);
  (request as { endUserActor?: Actor }).endUserActor = actor;
}

/** Whether a request carries the worker's secret (`x-dbforge-worker-secret`), compared in constant time. */
export function sameSecret(given: string | string[] | undefined, expected: Buffer): boolean {
  if (typeof given !== 'string') return false;
  const buffer = Buffer.from(given);
  return buffer.length === expected.length && crypto.timingSafeEqual(buffer, expected);
}
