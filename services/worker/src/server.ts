import fs from 'node:fs';
import Fastify from 'fastify';
import { openDatabase } from '@dbforge/engine';
import { loggerOptions, requestLogController, validatorCompiler } from '@dbforge/server-kit';
import { loadWorkerConfig } from './config.js';
import { workerApp } from './app.js';

/**
 * A worker process: owns one database, listens on a Unix socket (process runtime) or a TCP port (containers), tells
 * its parent when it is ready, and closes the database cleanly on SIGTERM or when its gateway goes away.
 */
async function main(): Promise<void> {
  const config = loadWorkerConfig();
  // The secret is in memory now; nothing started later needs to find it in the environment.
  delete process.env.DBFORGE_WORKER_SECRET;

  const adapter = await openDatabase({
    engine: config.engine,
    directory: config.dataDir,
    limits: { maxResultRows: config.maxResultRows, maxResultBytes: config.maxResultBytes },
    sqliteSynchronous: config.sqliteSynchronous,
    statementTimeoutMs: config.statementTimeoutMs,
    maxDatabaseBytes: config.maxDatabaseBytes,
    eventLog: config.eventLog,
  });

  const app = Fastify({
    logger: loggerOptions(config.logLevel, `worker:${config.name}`),
    bodyLimit: config.maxBodyBytes,
    logController: requestLogController(false),
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    forceCloseConnections: false,
  });
  app.setValidatorCompiler(validatorCompiler);

  let closing = false;
  const shutdown = async (reason: string, code = 0): Promise<void> => {
    if (closing) return;
    closing = true;
    app.log.info({ reason }, 'worker stopping');
    const force = setTimeout(() => process.exit(code || 1), 10_000);
    force.unref();
    try {
      await app.close();
    } finally {
      await adapter.close().catch((error: unknown) => app.log.error({ err: error }, 'closing the database failed'));
      process.exit(code);
    }
  };

  await app.register(workerApp, {
    name: config.name,
    adapter,
    dataDir: config.dataDir,
    secret: config.secret,
    maxBodyBytes: config.maxBodyBytes,
    events: config.events,
    onFatal: (error) => {
      app.log.fatal({ err: error }, 'the engine can no longer serve requests: restarting the worker');
      setImmediate(() => void shutdown('fatal engine error', 70));
    },
  });

  if ('socket' in config.listen) {
    fs.rmSync(config.listen.socket, { force: true });
    await app.listen({ path: config.listen.socket });
    fs.chmodSync(config.listen.socket, 0o600);
  } else {
    await app.listen({ host: config.listen.host, port: config.listen.port });
  }

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  if (process.send) {
    // The gateway went away (even SIGKILL closes the channel): a worker never outlives its gateway.
    process.on('disconnect', () => void shutdown('gateway disconnected'));
    process.send({ type: 'ready', pid: process.pid });
  }
}

main().catch((error: unknown) => {
  // Configuration and start-up errors are for the operator: say exactly what is wrong, then stop.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
