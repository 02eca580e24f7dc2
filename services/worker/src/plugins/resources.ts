import fp from 'fastify-plugin';
import { ResourceEngine, type DatabaseAdapter } from '@dbforge/engine';

declare module 'fastify' {
  interface FastifyInstance {
    resources: ResourceEngine;
  }
}

export interface ResourcesPluginOptions {
  name: string;
  adapter: DatabaseAdapter;
  /** The database's own directory: uploaded files and the field key live beside the database file. */
  dataDir: string;
}

/** The resource engine of this worker's database, opened once at start (its definitions are kept in memory). */
export const resourcesPlugin = fp(
  async (app, options: ResourcesPluginOptions) => {
    const log = app.log.child({ component: 'resources' });
    const engine = await ResourceEngine.open(options.adapter, {
      database: options.name,
      dataDir: options.dataDir,
      log: (object, message) => log.info(object, message),
    });
    app.decorate('resources', engine);
  },
  { name: 'dbforge-resources', fastify: '5.x' },
);
