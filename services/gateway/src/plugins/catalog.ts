import path from 'node:path';
import fp from 'fastify-plugin';
import { Catalog } from '../catalog/catalog.js';

declare module 'fastify' {
  interface FastifyInstance {
    catalog: Catalog;
  }
}

export interface CatalogPluginOptions {
  dataDir: string;
}

/** The catalogue lives beside the databases, in a directory no database name can take (names can't start with `_`). */
export const catalogPlugin = fp(
  async (app, options: CatalogPluginOptions) => {
    const catalog = Catalog.open(path.join(options.dataDir, '_gateway', 'catalog.sqlite'));
    app.decorate('catalog', catalog);
    app.addHook('onClose', async () => catalog.close());
  },
  { name: 'dbforge-catalog', fastify: '5.x' },
);
