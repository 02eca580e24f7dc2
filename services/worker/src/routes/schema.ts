import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ApplySchemaQuerySchema,
  ApplySchemaReplySchema,
  CapabilitiesReplySchema,
  DatabaseParamsSchema,
  DbForgeError,
  RemoveResourceReplySchema,
  ResourceParamsSchema,
  SchemaReplySchema,
  withErrors,
} from '@dbforge/contracts';
import type { DatabaseAdapter } from '@dbforge/engine';
import { actorOf, hooksOf } from '../request-context.js';

const YAML_TYPES = /^(?:application|text)\/(?:x-)?yaml$/;

/**
 * Resource configs: apply YAML (a migration), read the current resources with their history and warnings, remove a
 * resource; the engine's capabilities; the generated OpenAPI document of the resources.
 */
export const schemaRoutes: FastifyPluginAsync<{ adapter: DatabaseAdapter }> = async (fastify, { adapter }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const engine = fastify.resources;

  // YAML bodies, for this plugin's routes: kept as text, parsed by the engine (which reports lines and columns).
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.get(
    '/api/db/:name/schema',
    {
      schema: {
        tags: ['resources'],
        summary: "The database's resources: definitions, YAML, version history and warnings",
        operationId: 'getSchema',
        params: DatabaseParamsSchema,
        response: withErrors({ 200: SchemaReplySchema }, [401, 404]),
      },
    },
    async (request) => engine.describe(hooksOf(request)),
  );

  app.put(
    '/api/db/:name/schema',
    {
      schema: {
        tags: ['resources'],
        summary: 'Create or update the resources of a YAML file (one resource per document)',
        description:
          'The body is YAML (`application/yaml` or `text/yaml`). Resources not in the file are left as they are. ' +
          '`dry_run=true` answers the plan without applying it; destructive steps need `allow_destructive=true`.',
        operationId: 'applySchema',
        params: DatabaseParamsSchema,
        querystring: ApplySchemaQuerySchema,
        response: withErrors({ 200: ApplySchemaReplySchema }, [400, 401, 404, 409, 415, 422, 501]),
      },
    },
    async (request) => {
      if (typeof request.body !== 'string' || !YAML_TYPES.test((request.headers['content-type'] ?? '').split(';')[0]!.trim())) {
        throw new DbForgeError('UNSUPPORTED_MEDIA_TYPE', 'Send the resource config as YAML, with Content-Type: application/yaml (or text/yaml).');
      }
      return engine.apply(request.body, {
        dryRun: request.query.dry_run === true,
        allowDestructive: request.query.allow_destructive === true,
        actor: actorOf(request),
      });
    },
  );

  app.get(
    '/api/db/:name/schema/:resource',
    {
      schema: {
        tags: ['resources'],
        summary: 'One resource: definition, YAML, version history and warnings',
        operationId: 'getResourceSchema',
        params: ResourceParamsSchema,
        response: withErrors({ 200: SchemaReplySchema.properties.resources.items }, [401, 404]),
      },
    },
    async (request) => {
      const described = (await engine.describe(hooksOf(request), request.params.resource)) as { resources: unknown[] };
      return described.resources[0];
    },
  );

  app.delete(
    '/api/db/:name/schema/:resource',
    {
      schema: {
        tags: ['resources'],
        summary: 'Remove a resource: its table and every record in it (destructive); its history is kept',
        operationId: 'removeResource',
        params: ResourceParamsSchema,
        response: withErrors({ 200: RemoveResourceReplySchema }, [401, 404]),
      },
    },
    async (request) => {
      const removed = await engine.removeResource(request.params.resource, actorOf(request));
      return { message: `Resource '${removed.resource}' removed.`, ...removed };
    },
  );

  app.get(
    '/api/db/:name/capabilities',
    {
      schema: {
        tags: ['resources'],
        summary: "What the database's engine supports; a request needing what it lacks answers 501",
        operationId: 'getCapabilities',
        params: DatabaseParamsSchema,
        response: withErrors({ 200: CapabilitiesReplySchema }, [401, 404]),
      },
    },
    async () => ({ engine: adapter.engine, capabilities: { ...adapter.capabilities } }),
  );

  app.get(
    '/api/db/:name/openapi.json',
    {
      schema: {
        tags: ['resources'],
        summary: "The OpenAPI document of the database's resources, generated from their configs",
        operationId: 'getResourcesOpenApi',
        params: DatabaseParamsSchema,
      },
    },
    async (_request, reply) => reply.type('application/json').send(JSON.stringify(engine.openapi())),
  );
};
