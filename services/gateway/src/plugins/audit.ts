import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DbForgeError, WorkerHeaders } from '@dbforge/contracts';
import { AuditLog, type AuditRecord } from '../audit/audit-log.js';
import { actorId } from './access.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The platform's audit log: `app.audit.record({...})` for every admin action (see AuditRecord). */
    audit: AuditService;
  }
}

/**
 * Admin actions recognised from the route that answered, so that routes stay as they are: the method and route
 * pattern give the action, the reply's status the outcome. Forwarded requests (schema applies, reverts) are seen here
 * with the status the worker answered.
 */
const ROUTE_ACTIONS: Record<string, { action: string; target?: string }> = {
  'POST /admin/databases/spawn/:name': { action: 'database.spawn' },
  'POST /admin/databases/prune/:name': { action: 'database.prune' },
  'DELETE /admin/databases/:name': { action: 'database.prune' },
  'PATCH /admin/databases/:name': { action: 'database.settings' },
  'PUT /admin/databases/:name/webhooks/:hook': { action: 'webhook.put', target: 'hook' },
  'DELETE /admin/databases/:name/webhooks/:hook': { action: 'webhook.delete', target: 'hook' },
  'POST /admin/tenants': { action: 'tenant.create' },
  'PATCH /admin/tenants/:tenant': { action: 'tenant.update', target: 'tenant' },
  'DELETE /admin/tenants/:tenant': { action: 'tenant.delete', target: 'tenant' },
  'PUT /admin/tenants/:tenant/members': { action: 'member.put', target: 'tenant' },
  'DELETE /admin/tenants/:tenant/members/:user': { action: 'member.remove', target: 'user' },
  'POST /admin/tenants/:tenant/keys': { action: 'key.create', target: 'tenant' },
  'DELETE /admin/tenants/:tenant/keys/:key': { action: 'key.revoke', target: 'key' },
  'POST /admin/users': { action: 'user.create' },
  'POST /auth/password': { action: 'auth.password_change' },
  'PATCH /api/db/:name/auth/users/:user': { action: 'database_user.roles', target: 'user' },
  'DELETE /api/db/:name/auth/users/:user': { action: 'database_user.delete', target: 'user' },
};

/** Forwarded paths (the catch-all `/api/db/:name/*`) that are admin actions. */
const FORWARDED_ACTIONS: { method: string; pattern: RegExp; action: string }[] = [
  { method: 'PUT', pattern: /^schema$/, action: 'schema.apply' },
  { method: 'DELETE', pattern: /^schema\/([^/]+)$/, action: 'schema.remove' },
  { method: 'POST', pattern: /^events\/([^/]+)\/revert$/, action: 'event.revert' },
];

export class AuditService {
  constructor(
    private readonly log: AuditLog,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Appends an entry; auditing never fails the request it records (a failure is logged). */
  record(entry: AuditRecord): void {
    try {
      this.log.record(entry);
    } catch (error) {
      this.onError(error);
    }
  }

  list(...args: Parameters<AuditLog['list']>): ReturnType<AuditLog['list']> {
    return this.log.list(...args);
  }

  /** The fields every entry of a request shares. */
  fromRequest(request: FastifyRequest, status: number | null): Pick<AuditRecord, 'actor' | 'sourceAddress' | 'requestId' | 'status'> {
    return {
      actor: request.identity === null ? null : actorId(request.identity),
      sourceAddress: request.ip,
      requestId: request.id,
      status,
    };
  }

  /** A failed authentication (called by the auth plugin's error hook): who tried is unknown by definition. */
  authFailure(request: FastifyRequest, error: unknown): void {
    if (!(error instanceof DbForgeError) || error.code !== 'UNAUTHORIZED' || request.identity !== null) return;
    this.record({
      action: 'auth.failure',
      outcome: 'failure',
      ...this.fromRequest(request, 401),
      actor: null,
      database: (request.params as { name?: string } | undefined)?.name ?? null,
      // The path as far as it tells anything (a client chooses its length, and failures cost it nothing).
      detail: { method: request.method, path: request.url.split('?')[0]!.slice(0, 256), reason: error.message.slice(0, 256) },
    });
  }

  /** Records the admin action a reply answered, if it was one. */
  onResponse(request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions.url;
    if (route === undefined) return;
    const params = (request.params ?? {}) as Record<string, string>;
    let action: string | undefined;
    let target: string | null = null;
    const known = ROUTE_ACTIONS[`${request.method} ${route}`];
    if (known) {
      action = known.action;
      target = known.target ? (params[known.target] ?? null) : null;
    } else if (route === '/api/db/:name/*') {
      const rest = params['*'] ?? '';
      const path = rest.split('?')[0]!;
      for (const candidate of FORWARDED_ACTIONS) {
        const match = candidate.method === request.method ? candidate.pattern.exec(path) : null;
        if (match) {
          action = candidate.action;
          target = match[1] ?? null;
          break;
        }
      }
    }
    if (action === undefined) return;
    // Auth failures are recorded by the auth hook; a request refused before routing did nothing to audit twice.
    if (reply.statusCode === 401 && request.identity === null) return;
    const code = reply.getHeader(WorkerHeaders.errorCode);
    this.record({
      action,
      outcome: reply.statusCode < 400 ? 'success' : 'failure',
      ...this.fromRequest(request, reply.statusCode),
      database: params.name ?? null,
      target,
      detail: {
        method: request.method,
        path: request.url.split('?')[0],
        ...(typeof code === 'string' ? { error_code: code } : {}),
        ...(request.url.includes('?') ? { query: request.url.slice(request.url.indexOf('?') + 1) } : {}),
      },
    });
  }
}

/** The audit service: one `onResponse` hook records the admin actions; `app.audit.record()` records the rest. */
export const auditPlugin = fp(
  async (app) => {
    const service = new AuditService(new AuditLog(app.catalog.auditDb()), (error) => app.log.error({ err: error }, 'writing the audit log failed'));
    app.decorate('audit', service);
    app.addHook('onResponse', (request, reply, done) => {
      service.onResponse(request, reply);
      done();
    });
  },
  { name: 'dbforge-audit', fastify: '5.x', dependencies: ['dbforge-catalog'] },
);
