import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config.js';
import { DatabaseService } from '../services/databases.js';
import { Forwarder } from '../forward/forwarder.js';
import { watchStreamAccess } from '../forward/stream-access.js';

declare module 'fastify' {
  interface FastifyInstance {
    databases: DatabaseService;
    forwarder: Forwarder;
  }
}

export const databasesPlugin = fp(
  async (app, options: { config: GatewayConfig }) => {
    const databases = new DatabaseService(app.catalog, app.runtime, options.config.defaults, app.log.child({ component: 'databases' }));
    app.decorate('databases', databases);
    const recheckMs = options.config.streamRecheckSeconds * 1000;
    const forwarder = new Forwarder(databases, {
      maxBodyBytes: options.config.maxBodyBytes,
      channel: options.config.workerChannel,
      watchStream: (request, name, lost) => watchStreamAccess(app, request, name, recheckMs, lost),
    });
    app.decorate('forwarder', forwarder);
    app.addHook('onClose', async () => forwarder.close());
    // Workers start once the app is ready, before the server takes its first request.
    app.addHook('onReady', async () => databases.init());
  },
  { name: 'dbforge-databases', fastify: '5.x', dependencies: ['dbforge-catalog', 'dbforge-runtime'] },
);
