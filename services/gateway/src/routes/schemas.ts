import type { FastifyPluginAsync } from 'fastify';
import { RESOURCE_FORMAT_SCHEMA } from '@dbforge/engine/format-schema';

/** Public JSON Schemas: editors and CI validate resource configs against them (no key needed). */
export const schemaDocumentRoutes: FastifyPluginAsync = async (app) => {
  const resourceSchema = JSON.stringify(RESOURCE_FORMAT_SCHEMA);
  app.get(
    '/schemas/resource.json',
    {
      schema: {
        tags: ['service'],
        summary: 'The JSON Schema of resource configs (YAML), for editors and CI',
        operationId: 'getResourceFormatSchema',
        security: [],
      },
    },
    async (_request, reply) => reply.type('application/schema+json').header('cache-control', 'public, max-age=300').send(resourceSchema),
  );
};
