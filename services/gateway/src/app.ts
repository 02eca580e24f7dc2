import fs from 'node:fs';
import fp from 'fastify-plugin';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { Defaults, Errors } from '@dbforge/contracts';
import { errorHandlerPlugin, jsonBodyPlugin, loggerOptions, requestLogController, validatorCompiler } from '@dbforge/server-kit';
import type { GatewayConfig } from './config.js';
import { authPlugin } from './plugins/auth.js';
import { accessPlugin } from './plugins/access.js';
import { securityPlugin } from './plugins/security.js';
import { authRoutes } from './routes/auth.js';
import { tenantRoutes } from './routes/tenants.js';
import { catalogPlugin } from './plugins/catalog.js';
import { databasesPlugin } from './plugins/databases.js';
import { docsPlugin } from './plugins/docs.js';
import { hooksPlugin } from './plugins/hooks.js';
import { observabilityPlugin } from './plugins/observability.js';
import { runtimePlugin } from './plugins/runtime.js';
import { adminDatabaseRoutes } from './routes/admin-databases.js';
import { adminGatewayRoutes } from './routes/admin-gateway.js';
import { dataRoutes } from './routes/data.js';
import websocket from '@fastify/websocket';
import { realtimeProxyRoutes } from './forward/realtime.js';
import { auditPlugin } from './plugins/audit.js';
import { auditRoutes } from './routes/audit.js';
import { metricsRoutes } from './routes/metrics.js';
import { schemaDocumentRoutes } from './routes/schemas.js';
import { serviceRoutes } from './routes/service.js';
import { webhookRoutes } from './routes/webhooks.js';
import { requestId } from './request-id.js';
import { KnownCredentials } from './auth/known-credentials.js';
import { FastLane } from './forward/fast-lane.js';

export interface GatewayAppOptions {
  config: GatewayConfig;
  /** Receives an admin key generated on first start; it is shown once and never stored in clear. */
  onGeneratedKey?: (key: string, file: string) => void;
}

export const GATEWAY_VERSION: string = (
  JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The gateway as a Fastify plugin. It never listens: `server.ts` does, and tests use `inject`. */
export const gatewayApp = fp(
  async (app: FastifyInstance, options: GatewayAppOptions) => {
    const { config } = options;
    app.setValidatorCompiler(validatorCompiler);
    await app.register(errorHandlerPlugin, {
      paramErrors: { name: Errors.invalidDatabaseName },
      limits: { maxBodyBytes: config.maxBodyBytes },
    });
    await app.register(jsonBodyPlugin);
    await app.register(docsPlugin, { version: GATEWAY_VERSION });
    const knownCredentials = new KnownCredentials();
    await app.register(securityPlugin, { corsOrigins: config.corsOrigins, rateLimitPerSecond: config.rateLimitPerSecond, knownCredentials });
    await app.register(catalogPlugin, { dataDir: config.dataDir });
    await app.register(auditPlugin);
    await app.register(authPlugin, {
      key: config.adminKey,
      keyFile: config.adminKeyFile,
      secretsDir: config.secretsDir,
      metricsPublic: config.metricsPublic,
      tokenSecret: config.tokenSecret,
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      knownCredentials,
      ...(options.onGeneratedKey ? { onGeneratedKey: options.onGeneratedKey } : {}),
    });
    await app.register(accessPlugin);
    await app.register(runtimePlugin, { config });
    await app.register(databasesPlugin, { config });
    await app.register(hooksPlugin, { config });
    await app.register(observabilityPlugin);

    app.addHook('onSend', (request, reply, payload, done) => {
      reply.header('x-request-id', request.id);
      done(null, payload);
    });

    await app.register(serviceRoutes, { version: GATEWAY_VERSION });
    await app.register(metricsRoutes, { metricsPublic: config.metricsPublic });
    await app.register(adminGatewayRoutes);
    await app.register(authRoutes, { refreshTokenTtlSeconds: config.refreshTokenTtlSeconds, accessTokenTtlSeconds: config.accessTokenTtlSeconds });
    await app.register(tenantRoutes);
    await app.register(adminDatabaseRoutes);
    await app.register(webhookRoutes);
    // WebSocket upgrades go through the router, so authentication and access checks run for them too.
    await app.register(websocket, { options: { maxPayload: 64 * 1024, perMessageDeflate: false } });
    await app.register(realtimeProxyRoutes, { recheckMs: config.streamRecheckSeconds * 1000 });
    await app.register(auditRoutes);
    await app.register(dataRoutes);
    await app.register(schemaDocumentRoutes);
  },
  { name: 'dbforge-gateway', fastify: '5.x' },
);

function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

/**
 * Fastify's HTTP server, as Fastify would make it, whose requests pass the fast lane first (once there is one): the
 * lane serves what it takes and hands the rest to Fastify's handler.
 */
function laneServer(lane: () => FastLane | undefined) {
  return (handler: (req: IncomingMessage, res: ServerResponse) => void, options: FastifyServerOptions): http.Server => {
    const server = http.createServer((options as { http?: http.ServerOptions }).http ?? {}, (req, res) => {
      const current = lane();
      if (current === undefined) handler(req, res);
      else current.take(req, res, handler);
    });
    server.keepAliveTimeout = options.keepAliveTimeout!;
    server.requestTimeout = options.requestTimeout!;
    server.setTimeout(options.connectionTimeout!);
    if ((options.maxRequestsPerSocket ?? 0) > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket!;
    return server;
  };
}

/** A gateway instance with its logger and server options, ready to `listen` or `inject`. */
export async function createGateway(config: GatewayConfig, onGeneratedKey?: (key: string, file: string) => void): Promise<FastifyInstance> {
  let lane: FastLane | undefined;
  // A host name (localhost) may stand for several addresses, which Fastify listens on only with a server of its own.
  const withLane = config.fastLane && net.isIP(config.host) !== 0;
  const app = Fastify({
    ...(withLane ? { serverFactory: laneServer(() => lane) } : {}),
    logger: loggerOptions(config.logLevel, 'gateway'),
    logController: requestLogController(config.logRequests),
    genReqId: requestId,
    // Admin bodies are small; data bodies are streamed to the worker and limited there and by Content-Length.
    bodyLimit: Math.max(Defaults.maxBodyBytes, config.maxBodyBytes),
    // A hop count believes that many proxies from the gateway outwards (proxy-addr's rule, as Fastify applies a number).
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    return503OnClosing: true,
    ajv: { customOptions: { allErrors: true } },
  });
  await app.register(gatewayApp, { config, ...(onGeneratedKey ? { onGeneratedKey } : {}) });
  if (withLane) {
    const ready = new FastLane(app, app.log.child({ component: 'fast-lane' }));
    app.addHook('preClose', (done) => {
      ready.close();
      done();
    });
    // Until it has learnt the pipeline's headers, every request goes through the pipeline.
    app.addHook('onListen', async () => {
      await ready.learnHeaders();
      lane = ready;
    });
  }
  return app;
}
