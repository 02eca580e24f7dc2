import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Value } from '@sinclair/typebox/value';
import { ActorSchema, DbForgeError, HOOK_REQUIRED_STATUS, WorkerHeaders } from '@dbforge/contracts';
import { ADMIN_ACTOR, HookRequired, type Actor, type HookVerdict, type RequestContext } from '@dbforge/engine';

/**
 * The acting identity. The gateway sets `x-dbforge-actor`; the worker trusts it because only the gateway reaches it
 * (every request carries the per-worker secret), and the gateway never passes the header on from a client. Without
 * it the caller is the platform admin, the only caller there is until tenants arrive.
 */
export function actorOf(request: FastifyRequest): Actor {
  const header = request.headers[WorkerHeaders.actor];
  if (typeof header !== 'string' || header === '') return ADMIN_ACTOR;
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
  const actor = actorOf(request);
  const fingerprint = crypto
    .createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(actor)}\n${body === undefined ? '' : JSON.stringify(body)}`)
    .digest('base64url');
  return { actor, hooks: hooksOf(request), fingerprint, verdict: verdictOf(request) };
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
