import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { DbForgeError, Errors, WORKER_HEALTH_PATH, WorkerHeaders } from '@dbforge/contracts';
import { errorHandlerPlugin, jsonBodyPlugin } from '@dbforge/server-kit';
import { DatabaseUsers, isFatalDuckDbError, type Actor, type DatabaseAdapter } from '@dbforge/engine';
import websocket from '@fastify/websocket';
import type { RetentionPolicy } from '@dbforge/engine';
import { dataRoutes } from './routes/data.js';
import { attachChannel } from './channel.js';
import { eventsPlugin } from './plugins/events.js';
import { eventRoutes } from './routes/events.js';
import { realtimeRoutes } from './routes/realtime.js';
import { actorOf, readOnlyRefusal, resolveEndUser, sameSecret } from './request-context.js';
import { userRoutes } from './routes/users.js';
import { resourcesPlugin } from './plugins/resources.js';
import { outboxRoutes } from './routes/outbox.js';
import { resourceRoutes } from './routes/resources.js';
import { schemaRoutes } from './routes/schema.js';

export interface WorkerAppOptions {
  /** The database this worker owns. */
  name: string;
  adapter: DatabaseAdapter;
  /** The database's own directory (the engine's files are inside): uploads and the field key are kept beside them. */
  dataDir: string;
  /** Only requests that carry this secret are served: the gateway is the only caller. */
  secret: string;
  maxBodyBytes: number;
  /** The event log's retention and the realtime limits (defaults: keep everything; 1 MiB per subscriber). */
  events?: {
    retention?: RetentionPolicy;
    retentionIntervalMs?: number;
    realtimeBufferBytes?: number;
    heartbeatMs?: number;
  };
  /** Called when the engine can no longer serve any request and the worker must be restarted. */
  onFatal?: (error: unknown) => void;
}

/** The worker as a Fastify plugin; `server.ts` owns listening, configuration and shutdown. */
export const workerApp = fp(
  async (app: FastifyInstance, options: WorkerAppOptions) => {
    const secret = Buffer.from(options.secret);
    const users = new DatabaseUsers(options.adapter);
    const authenticateEndUser = async (token: string): Promise<Actor | undefined> => {
      if (!token.startsWith('dbu_')) return undefined;
      const user = await users.authenticate(token);
      return user === undefined ? undefined : { id: user.id, roles: user.roles, kind: 'user' };
    };
    const startedAt = Date.now();

    await app.register(errorHandlerPlugin, {
      paramErrors: { name: Errors.invalidDatabaseName },
      limits: { maxBodyBytes: options.maxBodyBytes },
    });
    await app.register(jsonBodyPlugin);

    app.addHook('onRequest', async (request) => {
      if (!sameSecret(request.headers[WorkerHeaders.secret], secret)) {
        throw new DbForgeError('UNAUTHORIZED', 'This worker only answers its gateway.');
      }
      // Without a platform caller, a request on the end-user routes is a database user's (or anonymous).
      await resolveEndUser(request, authenticateEndUser);
    });

    // A request for another database is answered as if that database did not exist, before its body is read.
    app.addHook('preValidation', async (request) => {
      const params = request.params as { name?: string } | undefined;
      if (params?.name !== undefined && params.name !== options.name) throw Errors.databaseNotFound();
      // A read-only caller changes nothing: every write route is refused here; /query and /batch let the engine decide
      // statement by statement.
      if (
        params?.name !== undefined &&
        request.method !== 'GET' &&
        request.method !== 'HEAD' &&
        request.routeOptions.url !== '/api/db/:name/query' &&
        request.routeOptions.url !== '/api/db/:name/batch' &&
        actorOf(request).readonly === true
      ) {
        throw readOnlyRefusal();
      }
    });

    if (options.onFatal) {
      const onFatal = options.onFatal;
      app.addHook('onError', async (_request, _reply, error) => {
        const cause = (error as { cause?: unknown }).cause;
        if (isFatalDuckDbError(cause) || isFatalDuckDbError(error)) onFatal(cause ?? error);
      });
    }

    app.get(WORKER_HEALTH_PATH, async () => ({
      status: 'ok',
      name: options.name,
      engine: options.adapter.engine,
      size_bytes: options.adapter.sizeBytes(),
      pid: process.pid,
      uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
    }));

    await app.register(dataRoutes, { adapter: options.adapter });
    await app.register(userRoutes, { users });
    await app.register(resourcesPlugin, { name: options.name, adapter: options.adapter, dataDir: options.dataDir });
    await app.register(websocket, { options: { maxPayload: 64 * 1024, perMessageDeflate: false } });
    // The gateway's lean path for queries, batches and record operations, beside HTTP on the same listener (see channel.ts).
    attachChannel(app, { name: options.name, secret, adapter: options.adapter, resources: app.resources, authenticate: authenticateEndUser, maxBodyBytes: options.maxBodyBytes, log: app.log, onFatal: options.onFatal });
    await app.register(eventsPlugin, {
      adapter: options.adapter,
      retention: options.events?.retention ?? {},
      retentionIntervalMs: options.events?.retentionIntervalMs ?? 10 * 60_000,
      realtimeBufferBytes: options.events?.realtimeBufferBytes ?? 1024 * 1024,
      heartbeatMs: options.events?.heartbeatMs ?? 15_000,
    });
    await app.register(eventRoutes, { authenticate: authenticateEndUser });
    await app.register(realtimeRoutes, { authenticate: authenticateEndUser });
    await app.register(schemaRoutes, { adapter: options.adapter });
    await app.register(resourceRoutes);
    await app.register(outboxRoutes);
  },
  { name: 'dbforge-worker', fastify: '5.x' },
);
