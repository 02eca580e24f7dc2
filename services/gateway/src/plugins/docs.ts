import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

export const docsPlugin = fp(
  async (app, options: { version: string }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'DB-Forge',
          version: options.version,
          description:
            'A self-hosted database-as-a-service: one worker per SQLite or DuckDB database behind this gateway. ' +
            'Every /admin and /api call needs the API key, as `X-API-Key` or `Authorization: Bearer`. ' +
            'Every error has the same envelope: `{"error": {"code", "message", "status", "details"?}, "detail"}`. ' +
            'The resources of a database (its YAML configs) have their own generated document at ' +
            '`/api/db/{name}/openapi.json`; the JSON Schema of the config format is at `/schemas/resource.json`.',
        },
        tags: [
          { name: 'admin', description: 'Create, inspect and remove databases.' },
          { name: 'data', description: "Run SQL and work with a database's tables." },
          {
            name: 'resources',
            description:
              "A database's YAML resources: PUT /api/db/{name}/schema, /api/db/{name}/resources/{resource}, and the database's own OpenAPI document at /api/db/{name}/openapi.json.",
          },
          { name: 'service', description: 'Health, readiness, metrics and this documentation.' },
        ],
        components: {
          securitySchemes: {
            apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
            bearer: { type: 'http', scheme: 'bearer' },
          },
        },
        security: [{ apiKey: [] }, { bearer: [] }],
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  },
  { name: 'dbforge-docs', fastify: '5.x' },
);
