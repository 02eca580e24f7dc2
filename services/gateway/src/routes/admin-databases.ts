import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  DATABASE_SETTING_KEYS,
  DatabaseInfoSchema,
  DatabaseListSchema,
  DatabaseParamsSchema,
  DatabaseSettingsSchema,
  LogsQuerySchema,
  LogsReplySchema,
  PruneReplySchema,
  SpawnBodySchema,
  SpawnReplySchema,
  WorkerStatsSchema,
  withErrors,
  type DatabaseSettings,
} from '@dbforge/contracts';

const AUTH_ERRORS = [401];

function pickSettings(body: Record<string, unknown> | null | undefined): DatabaseSettings {
  const settings: DatabaseSettings = {};
  if (!body) return settings;
  for (const key of DATABASE_SETTING_KEYS) {
    const value = body[key];
    // Numbers, the event log switch, and null (back to the default) for the retention settings.
    if (typeof value === 'number' || typeof value === 'boolean' || value === null) (settings as Record<string, unknown>)[key] = value;
  }
  return settings;
}

export const adminDatabaseRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { databases, access } = fastify;

  app.post(
    '/admin/databases/spawn/:name',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a database and start its worker (or start the existing one)',
        description:
          'Answers 201 for a new database and 200 when it already exists (its worker is started first if it was stopped). ' +
          'The optional body picks the engine and the limits; without a body the database uses SQLite.',
        operationId: 'spawnDatabase',
        params: DatabaseParamsSchema,
        body: SpawnBodySchema,
        response: withErrors({ 200: SpawnReplySchema, 201: SpawnReplySchema }, [400, ...AUTH_ERRORS, 409, 422, 503]),
      },
    },
    async (request, reply) => {
      const body = request.body ?? null;
      // The caller must be able to create databases in the tenant (its own by default).
      const tenant = access.tenant(request, body?.tenant ?? access.defaultTenant(request), 'manage');
      const outcome = await databases.spawn(request.params.name, {
        engine: body?.engine,
        settings: pickSettings(body),
        tenantId: tenant.id,
      });
      const status = databases.get(outcome.record.name) ? await databases.info(outcome.record.name) : undefined;
      const containerId = status?.container_id ?? outcome.record.containerId;
      if (outcome.created) {
        return reply.code(201).send({ message: 'Database instance spawned successfully.', db_name: outcome.record.name, container_id: containerId });
      }
      return reply.code(200).send({ message: 'Database instance already exists and is running.', db_name: outcome.record.name, container_id: containerId });
    },
  );

  const prune = {
    schema: {
      params: DatabaseParamsSchema,
      response: withErrors({ 200: PruneReplySchema }, [400, ...AUTH_ERRORS, 404]),
    },
  };
  const pruneHandler = async (request: FastifyRequest<{ Params: { name: string } }>) => {
    const { record } = access.database(request, request.params.name, 'delete');
    await databases.prune(request.params.name);
    // Keys limited to the database go with it.
    fastify.catalog.tenancy.revokeDatabaseKeys(record.tenantId, record.name);
    return { message: 'Database instance pruned successfully.', db_name: request.params.name };
  };

  app.post(
    '/admin/databases/prune/:name',
    {
      schema: {
        ...prune.schema,
        tags: ['admin'],
        summary: 'Stop the worker and delete the database for good',
        operationId: 'pruneDatabase',
      },
    },
    pruneHandler,
  );

  app.delete(
    '/admin/databases/:name',
    {
      schema: {
        ...prune.schema,
        tags: ['admin'],
        summary: 'Delete a database for good (same as prune)',
        operationId: 'deleteDatabase',
      },
    },
    pruneHandler,
  );

  app.get(
    '/admin/databases',
    {
      schema: {
        tags: ['admin'],
        summary: 'List databases with their worker status, engine, size and settings',
        operationId: 'listDatabases',
        response: withErrors({ 200: DatabaseListSchema }, AUTH_ERRORS),
      },
    },
    async (request) => (await databases.list()).filter((d) => access.canSeeDatabase(request, fastify.catalog.get(d.name)!)),
  );

  app.get(
    '/admin/databases/:name',
    {
      schema: {
        tags: ['admin'],
        summary: 'One database with its worker status, engine, size and settings',
        operationId: 'getDatabase',
        params: DatabaseParamsSchema,
        response: withErrors({ 200: DatabaseInfoSchema }, [400, ...AUTH_ERRORS, 404]),
      },
    },
    async (request) => {
      access.database(request, request.params.name, 'read');
      return databases.info(request.params.name);
    },
  );

  app.patch(
    '/admin/databases/:name',
    {
      schema: {
        tags: ['admin'],
        summary: "Change a database's limits (its worker restarts gracefully to apply them)",
        operationId: 'updateDatabaseSettings',
        params: DatabaseParamsSchema,
        body: DatabaseSettingsSchema,
        response: withErrors({ 200: DatabaseInfoSchema }, [400, ...AUTH_ERRORS, 404, 422, 503]),
      },
    },
    async (request) => {
      access.database(request, request.params.name, 'manage');
      await databases.updateSettings(request.params.name, pickSettings(request.body));
      return databases.info(request.params.name);
    },
  );

  app.get(
    '/admin/databases/:name/stats',
    {
      schema: {
        tags: ['admin'],
        summary: "CPU, memory and I/O of the database's worker",
        operationId: 'getDatabaseStats',
        params: DatabaseParamsSchema,
        response: withErrors({ 200: WorkerStatsSchema }, [400, ...AUTH_ERRORS, 404, 501, 503]),
      },
    },
    async (request) => {
      access.database(request, request.params.name, 'manage');
      return databases.stats(request.params.name);
    },
  );

  app.get(
    '/admin/databases/:name/logs',
    {
      schema: {
        tags: ['admin'],
        summary: "The last lines of the database worker's log",
        operationId: 'getDatabaseLogs',
        params: DatabaseParamsSchema,
        querystring: LogsQuerySchema,
        response: withErrors({ 200: LogsReplySchema }, [400, ...AUTH_ERRORS, 404, 422]),
      },
    },
    async (request) => ({
      db_name: access.database(request, request.params.name, 'manage').record.name,
      lines: await databases.logs(request.params.name, request.query.tail ?? 100),
    }),
  );
};
