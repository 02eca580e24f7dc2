import fp from 'fastify-plugin';
import { WorkerHeaders } from '@dbforge/contracts';
import { GatewayStatsCounter } from '../stats/gateway-stats.js';
import { GatewayMetrics } from '../stats/metrics.js';
import { PROBE_ADDRESS } from '../forward/fast-lane.js';

declare module 'fastify' {
  interface FastifyInstance {
    stats: GatewayStatsCounter;
    metrics: GatewayMetrics;
  }
}

/** Counts every answered request once: MK1's stats (by endpoint, by error code) and the Prometheus metrics. */
export const observabilityPlugin = fp(
  async (app) => {
    const stats = new GatewayStatsCounter();
    const metrics = new GatewayMetrics(app.runtime);
    app.decorate('stats', stats);
    app.decorate('metrics', metrics);

    // Hooks on the hot path take a callback: an async hook costs a promise per request.
    app.addHook('onResponse', (request, reply, done) => {
      // The fast lane's start-up probe is no one's request.
      if (request.raw.socket?.remoteAddress === PROBE_ADDRESS) {
        done();
        return;
      }
      const route = request.routeOptions.url ?? '(unmatched)';
      const code = reply.getHeader(WorkerHeaders.errorCode);
      const errorCode = typeof code === 'string' ? code : undefined;
      stats.record(`${request.method} ${route}`, reply.statusCode, errorCode);
      metrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000, errorCode);
      done();
    });
  },
  { name: 'dbforge-observability', fastify: '5.x', dependencies: ['dbforge-runtime'] },
);
