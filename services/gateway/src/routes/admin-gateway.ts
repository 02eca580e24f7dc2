import type { FastifyPluginAsync } from 'fastify';
import { GatewayStatsSchema, withErrors } from '@dbforge/contracts';

export const adminGatewayRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/admin/gateway/stats',
    {
      schema: {
        tags: ['admin'],
        summary: 'Requests and errors since the gateway started, by endpoint and by error code',
        operationId: 'getGatewayStats',
        response: withErrors({ 200: GatewayStatsSchema }, [401, 403]),
      },
    },
    async (request) => {
      // Counts over every tenant: for the platform admin only.
      app.access.platformAdmin(request, 'read the gateway statistics');
      return app.stats.snapshot();
    },
  );
};
