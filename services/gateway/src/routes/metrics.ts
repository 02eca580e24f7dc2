import type { FastifyPluginAsync } from 'fastify';

/** Prometheus metrics cover every tenant's databases: the platform admin's, unless made public (`DBFORGE_METRICS_PUBLIC`). */
export const metricsRoutes: FastifyPluginAsync<{ metricsPublic: boolean }> = async (app, options) => {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['service'],
        summary: 'Prometheus metrics: requests, latencies, errors, workers by state',
        description: "Needs the platform admin's credential unless DBFORGE_METRICS_PUBLIC=true: the metrics name every tenant's databases.",
        operationId: 'getMetrics',
        produces: ['text/plain'],
      },
    },
    async (request, reply) => {
      if (!options.metricsPublic) app.access.platformAdmin(request, 'read the metrics');
      reply.type(app.metrics.registry.contentType);
      return app.metrics.registry.metrics();
    },
  );
};
