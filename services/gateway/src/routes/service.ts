import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DbForgeError, HealthReplySchema, ReadyReplySchema, ServiceInfoSchema, withErrors, type ReadyReply } from '@dbforge/contracts';

export const serviceRoutes: FastifyPluginAsync<{ version: string }> = async (fastify, { version }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/',
    {
      schema: {
        tags: ['service'],
        summary: 'Name and version of the service; DB-Forge MK1 clients use it as their health check',
        operationId: 'getServiceInfo',
        security: [],
        response: { 200: ServiceInfoSchema },
      },
    },
    async () => ({ name: 'DB-Forge Gateway', version, message: 'DB-Forge gateway is running.', docs: '/docs' }),
  );

  app.get(
    '/health',
    {
      schema: {
        tags: ['service'],
        summary: 'Liveness: the gateway process answers',
        operationId: 'getHealth',
        security: [],
        response: { 200: HealthReplySchema },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['service'],
        summary: 'Readiness: the catalogue answers and the runtime can start workers',
        operationId: 'getReadiness',
        security: [],
        response: withErrors({ 200: ReadyReplySchema }, [503]),
      },
    },
    async () => {
      const checks: ReadyReply['checks'] = {};
      try {
        fastify.catalog.check();
        checks.catalog = { ok: true };
      } catch (error) {
        checks.catalog = { ok: false, message: (error as Error).message };
      }
      checks.runtime = await fastify.runtime.ping().catch((error: Error) => ({ ok: false, message: error.message }));
      const ready = Object.values(checks).every((c) => c.ok);
      if (!ready) {
        const failing = Object.entries(checks).filter(([, c]) => !c.ok).map(([name, c]) => `${name}: ${c.message ?? 'failing'}`);
        throw new DbForgeError('WORKER_UNAVAILABLE', `Not ready: ${failing.join('; ')}.`, { details: checks });
      }
      return { status: 'ready', runtime: fastify.runtime.kind, checks };
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => fastify.swagger());
};
