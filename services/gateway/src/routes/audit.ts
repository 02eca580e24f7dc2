import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AuditPageSchema, AuditQuerySchema, Errors, withErrors } from '@dbforge/contracts';

function isoTime(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw Errors.validation([{ field, message: 'must be an ISO 8601 date or date-time' }]);
  return new Date(time).toISOString();
}

/** The platform's audit log: admin actions and failed authentications, newest first. Platform admins only. */
export const auditRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/admin/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'The audit log: admin actions (spawn, prune, settings, webhooks, schema applies, reverts, keys) and failed authentications',
        operationId: 'listAudit',
        querystring: AuditQuerySchema,
        response: withErrors({ 200: AuditPageSchema }, [401, 403, 422]),
      },
    },
    async (request) => {
      fastify.access.platformAdmin(request, 'read the audit log');
      const q = request.query;
      return fastify.audit.list({
        actor: q.actor,
        action: q.action,
        database: q.database,
        outcome: q.outcome,
        since: isoTime(q.since, 'querystring.since'),
        until: isoTime(q.until, 'querystring.until'),
        beforeId: q.cursor === undefined ? undefined : Number(q.cursor),
        limit: q.limit ?? 100,
      });
    },
  );
};
