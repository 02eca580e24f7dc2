import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { DbForgeError, WorkerHeaders } from '@dbforge/contracts';
import { openDatabase, type DatabaseAdapter } from '@dbforge/engine';
import { loggerOptions, requestLogController, validatorCompiler } from '@dbforge/server-kit';
import { ASSIGNABLE_ENV_KEYS, loadWorkerConfig, loadWorkerStartup, type WorkerConfig, type WorkerStartup } from './config.js';
import { workerApp } from './app.js';
import { sharedCompilers } from './compilers.js';
import { claimDataDir, poolApp } from './pool.js';

/**
 * The worker's HTTP server, created before any app. A pooled worker listens before it has a database; the app of the
 * database it is given then takes the same server over, so that the gateway reaches it where it already was.
 */
class WorkerServer {
  readonly server: http.Server;
  private handler: http.RequestListener = (_request, response) => {
    response.statusCode = 503;
    response.end();
  };
  private mounted: FastifyInstance | undefined;

  /** The logger of the app that serves now. */
  get log(): FastifyInstance['log'] | undefined {
    return this.mounted?.log;
  }

  /** Every connection, upgraded ones included (the server stops tracking those). */
  private readonly sockets = new Set<Duplex>();

  constructor() {
    this.server = http.createServer((request, response) => this.handler(request, response));
    this.server.on('connection', (socket: Duplex) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // What Fastify would set on a server it made itself: keep-alive longer than the gateway's, no deadline on a
    // request (statements have their own).
    this.server.keepAliveTimeout = 72_000;
    this.server.requestTimeout = 0;
    this.server.setTimeout(0);
  }

  /** Builds an app on this server; once it is ready it answers every request, and the app before it none. */
  async mount(options: FastifyServerOptions, register: (app: FastifyInstance) => Promise<void>): Promise<FastifyInstance> {
    const previousListeners = this.server.listeners('clientError');
    let handler: http.RequestListener | undefined;
    const app = Fastify({
      ...options,
      serverFactory: (appHandler) => {
        handler = appHandler;
        return this.server;
      },
    });
    app.setValidatorCompiler(validatorCompiler);
    await register(app);
    await app.ready();
    if (handler === undefined) throw new Error('Fastify did not hand over its request handler');
    this.handler = handler;
    for (const listener of previousListeners) this.server.removeListener('clientError', listener as (...args: unknown[]) => void);
    this.mounted = app;
    return app;
  }

  async listen(listen: WorkerStartup['listen']): Promise<string> {
    if ('socket' in listen) fs.rmSync(listen.socket, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      const done = () => {
        this.server.off('error', reject);
        resolve();
      };
      if ('socket' in listen) this.server.listen(listen.socket, done);
      else this.server.listen(listen.port, listen.host, done);
    });
    if ('socket' in listen) {
      fs.chmodSync(listen.socket, 0o600);
      return listen.socket;
    }
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? `http://${address.address}:${address.port}` : String(address);
  }

  /**
   * Stops taking connections and closes the app (in-flight requests are answered first). Connections still open then
   * are upgraded ones the app does not own (the gateway's channel): a closing server would wait for them forever, so
   * they are ended.
   */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.mounted?.close();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

function appOptions(logLevel: WorkerStartup['logLevel'], name: string, bodyLimit: number): FastifyServerOptions {
  return {
    logger: loggerOptions(logLevel, name),
    bodyLimit,
    logController: requestLogController(false),
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    forceCloseConnections: false,
    schemaController: sharedCompilers,
  };
}

/**
 * Builds the app of a throw-away database once, in a temporary directory, and sends it one query: modules the app
 * loads on first use are loaded, its schemas compiled (and kept, see compilers.ts), its hot code compiled, so that the
 * database a pooled worker is given is served within milliseconds.
 */
async function warmUp(secret: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbforge-warm-up-'));
  try {
    const adapter = await openDatabase({ engine: 'sqlite', directory: dir, limits: { maxResultRows: 100, maxResultBytes: 1 << 20 } });
    try {
      const app = Fastify({ ...appOptions('silent', 'worker:warm-up', 1 << 20), logger: false });
      app.setValidatorCompiler(validatorCompiler);
      await app.register(workerApp, { name: 'warm-up', adapter, dataDir: dir, secret, maxBodyBytes: 1 << 20 });
      await app.ready();
      await app.inject({
        method: 'POST',
        url: '/api/db/warm-up/query',
        headers: { [WorkerHeaders.secret]: secret, 'content-type': 'application/json' },
        payload: { sql: 'SELECT 1' },
      });
      await app.close();
    } finally {
      await adapter.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A worker process: owns one database, listens on a Unix socket (process runtime) or a TCP port (containers), tells
 * its parent when it is ready, and closes the database cleanly on SIGTERM or when its gateway goes away.
 *
 * With DBFORGE_WORKER_POOLED=true it starts warm instead: Node started, modules loaded, listening, but without a
 * database and serving nothing until its gateway assigns it one (once). A spawn then costs only opening the database.
 */
async function main(): Promise<void> {
  // Databases, the catalogue, keys and sockets are this service's alone: nothing it creates is readable by other users.
  process.umask(0o077);
  const env = { ...process.env };
  const startup = loadWorkerStartup(env);
  // The secret is in memory now; nothing started later needs to find it in the environment.
  delete process.env.DBFORGE_WORKER_SECRET;
  // A worker given its database in the environment checks all of it before anything starts.
  const initial = startup.pooled ? undefined : loadWorkerConfig(env);

  const server = new WorkerServer();
  let adapter: DatabaseAdapter | undefined;
  let closing = false;
  const shutdown = async (reason: string, code = 0): Promise<void> => {
    if (closing) return;
    closing = true;
    server.log?.info({ reason }, 'worker stopping');
    const force = setTimeout(() => process.exit(code || 1), 10_000);
    force.unref();
    try {
      await server.close();
    } finally {
      await adapter?.close().catch((error: unknown) => server.log?.error({ err: error }, 'closing the database failed'));
      process.exit(code);
    }
  };

  /** Opens the database and mounts its app on the server. */
  const serve = async (config: WorkerConfig): Promise<FastifyInstance> => {
    adapter = await openDatabase({
      engine: config.engine,
      directory: config.dataDir,
      limits: { maxResultRows: config.maxResultRows, maxResultBytes: config.maxResultBytes },
      sqliteSynchronous: config.sqliteSynchronous,
      sqliteCacheMb: config.sqliteCacheMb,
      statementTimeoutMs: config.statementTimeoutMs,
      maxDatabaseBytes: config.maxDatabaseBytes,
      eventLog: config.eventLog,
      // Background failures of the adapter (writing out bulk inserts' events) go to the log of the app serving then.
      onBackgroundError: (error) => server.log?.error({ err: error }, "writing out bulk inserts' events failed; the next read of the event log tries again"),
    });
    const opened = adapter;
    const app = await server.mount(appOptions(config.logLevel, `worker:${config.name}`, config.maxBodyBytes), async (app) => {
      await app.register(workerApp, {
        name: config.name,
        adapter: opened,
        dataDir: config.dataDir,
        secret: config.secret,
        maxBodyBytes: config.maxBodyBytes,
        events: config.events,
        onFatal: (error) => {
          app.log.fatal({ err: error }, 'the engine can no longer serve requests: restarting the worker');
          setImmediate(() => void shutdown('fatal engine error', 70));
        },
      });
    });
    return app;
  };

  let listening: string;
  if (initial !== undefined) {
    const app = await serve(initial);
    listening = await server.listen(startup.listen);
    app.log.info(`Server listening at ${listening}`);
  } else {
    let assigned = false;
    const pool = await server.mount(appOptions(startup.logLevel, 'worker:pool', 64 * 1024), async (app) => {
      await app.register(poolApp, {
        secret: startup.secret,
        assign: async (given) => {
          if (assigned) throw new DbForgeError('CONFLICT', 'This worker has already been assigned a database.');
          assigned = true;
          try {
            let config: WorkerConfig;
            try {
              // Only the assignable variables, whatever was sent: the secret and the listener stay the start-up's.
              const assignable = Object.fromEntries(ASSIGNABLE_ENV_KEYS.map((key) => [key, given[key]]).filter(([, v]) => v !== undefined));
              config = loadWorkerConfig({ ...env, ...assignable });
            } catch (error) {
              throw new DbForgeError('BAD_REQUEST', (error as Error).message);
            }
            claimDataDir(config.dataDir, config.name);
            const app = await serve(config);
            app.log.info(`Server listening at ${listening}`);
            process.send?.({ type: 'ready', pid: process.pid });
            return { name: config.name };
          } catch (error) {
            // Half given a database, a worker is of no use to anyone: it ends once its reply is out, and the gateway
            // starts another.
            setTimeout(() => void shutdown('assignment failed', 1), 100).unref();
            throw error;
          }
        },
      });
    });
    const started = Date.now();
    // Twice: the second build of the app is the one V8 has seen enough of to optimise (measured: an assignment takes
    // about 25 ms after one round, 15 ms after two).
    for (let round = 0; round < 2; round++) {
      await warmUp(startup.secret).catch((error: unknown) => pool.log.warn({ err: error }, 'warm-up failed: the first database will start slower'));
    }
    listening = await server.listen(startup.listen);
    pool.log.info({ warmUpMs: Date.now() - started }, `pooled worker listening at ${listening}: waiting for a database`);
  }

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  if (process.send) {
    // The gateway went away (even SIGKILL closes the channel): a worker never outlives its gateway.
    process.on('disconnect', () => void shutdown('gateway disconnected'));
    process.send({ type: initial === undefined ? 'pooled' : 'ready', pid: process.pid });
  }
}

main().catch((error: unknown) => {
  // Configuration and start-up errors are for the operator: say exactly what is wrong, then stop.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
