import type { FastifyPluginAsync } from 'fastify';

export const metricsRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['service'],
        summary: 'Prometheus metrics: requests, latencies, errors, workers by state',
        description: 'Needs the API key unless DBFORGE_METRICS_PUBLIC=true.',
        operationId: 'getMetrics',
        produces: ['text/plain'],
      },
    },
    async (_request, reply) => {
      reply.type(app.metrics.registry.contentType);
      return app.metrics.registry.metrics();
    },
  );
};
