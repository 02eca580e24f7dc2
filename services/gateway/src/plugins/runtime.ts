import { fileURLToPath } from 'node:url';
import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config.js';
import Docker from 'dockerode';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import { ProcessRuntime } from '../runtime/process-runtime.js';
import type { WorkerRuntime } from '../runtime/types.js';

declare module 'fastify' {
  interface FastifyInstance {
    runtime: WorkerRuntime;
  }
}

/** The worker's compiled entry point, found through the workspace dependency unless configured. */
export function defaultWorkerEntry(): string {
  return fileURLToPath(import.meta.resolve('@dbforge/worker/server'));
}

export function createRuntime(config: GatewayConfig, logger: ProcessRuntimeLogger): WorkerRuntime {
  switch (config.runtime) {
    case 'process':
      return new ProcessRuntime({
        dataDir: config.dataDir,
        workerEntry: config.workerEntry ?? defaultWorkerEntry(),
        startTimeoutMs: config.workerStartTimeoutMs,
        maxBodyBytes: config.maxBodyBytes,
        sqliteSynchronous: config.sqliteSynchronous,
        // Worker logs are kept for GET /admin/databases/{name}/logs, not printed: info is worth keeping there.
        logLevel: config.logLevel === 'debug' || config.logLevel === 'trace' ? config.logLevel : 'info',
        logger,
      });
    case 'docker': {
      const socket = config.docker.socket;
      return new DockerRuntime({
        docker: socket ? new Docker({ socketPath: socket }) : new Docker(),
        socketDescription: socket ?? process.env.DOCKER_HOST ?? '/var/run/docker.sock',
        image: config.docker.image,
        network: config.docker.network,
        namespace: config.docker.namespace,
        startTimeoutMs: config.workerStartTimeoutMs,
        maxBodyBytes: config.maxBodyBytes,
        sqliteSynchronous: config.sqliteSynchronous,
        logLevel: config.logLevel === 'debug' || config.logLevel === 'trace' ? config.logLevel : 'info',
        logger,
      });
    }
  }
}

type ProcessRuntimeLogger = ConstructorParameters<typeof ProcessRuntime>[0]['logger'];

export const runtimePlugin = fp(
  async (app, options: { config: GatewayConfig }) => {
    const runtime = createRuntime(options.config, app.log.child({ component: 'runtime' }));
    app.decorate('runtime', runtime);
    app.addHook('onClose', async () => runtime.close());
  },
  { name: 'dbforge-runtime', fastify: '5.x' },
);
