import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config.js';
import { HookService } from '../hooks/hook-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    hooks: HookService;
  }
}

/** Resource hooks: before-hooks for the forwarder, after-hook delivery from the workers' outboxes. */
export const hooksPlugin = fp(
  async (app, options: { config: GatewayConfig }) => {
    const service = new HookService(
      app.catalog,
      app.databases,
      (name) => app.runtime.status(name)?.state === 'running',
      options.config.hooks,
      app.log.child({ component: 'hooks' }),
    );
    app.decorate('hooks', service);
    app.forwarder.useHooks(service);
    // After the databases' workers are up (their onReady hook was registered first).
    app.addHook('onReady', async () => service.start());
    app.addHook('onClose', async () => service.close());
  },
  { name: 'dbforge-hooks', fastify: '5.x', dependencies: ['dbforge-catalog', 'dbforge-runtime', 'dbforge-databases'] },
);
