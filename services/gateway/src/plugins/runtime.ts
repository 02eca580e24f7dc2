import { fileURLToPath } from 'node:url';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import type { GatewayConfig } from '../config.js';
import Docker from 'dockerode';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import { ProcessRuntime } from '../runtime/process-runtime.js';
import type { WorkerPoolStats, WorkerRuntime } from '../runtime/types.js';

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
        sqliteCacheMb: config.sqliteCacheMb,
        // Worker logs are kept for GET /admin/databases/{name}/logs, not printed: info is worth keeping there.
        logLevel: config.logLevel === 'debug' || config.logLevel === 'trace' ? config.logLevel : 'info',
        logger,
        pool: { size: config.workerPoolSize, memoryMb: config.defaults.memoryMb },
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
        sqliteCacheMb: config.sqliteCacheMb,
        logLevel: config.logLevel === 'debug' || config.logLevel === 'trace' ? config.logLevel : 'info',
        logger,
        pool: {
          size: config.workerPoolSize,
          limits: { memoryMb: config.defaults.memoryMb, cpus: config.defaults.cpus, pidsLimit: config.defaults.pidsLimit },
        },
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
    // The warm pool in /metrics, once the metrics exist (they are registered after the runtime).
    app.addHook('onReady', async () => {
      const poolStats = runtime.poolStats?.bind(runtime);
      if (poolStats === undefined || !app.hasDecorator('metrics')) return;
      const gauges: [string, string, (s: WorkerPoolStats) => number][] = [
        ['dbforge_worker_pool_size', 'Workers the warm pool keeps ready (0: no pool).', (s) => s.size],
        ['dbforge_worker_pool_idle', 'Pooled workers ready to be claimed.', (s) => s.idle],
        ['dbforge_worker_pool_starting', 'Pooled workers being started.', (s) => s.starting],
        ['dbforge_worker_pool_claims', 'Spawns served from the warm pool since the gateway started.', (s) => s.claims],
        ['dbforge_worker_pool_misses', 'Spawns that found the warm pool empty since the gateway started.', (s) => s.misses],
      ];
      for (const [name, help, read] of gauges) {
        new Gauge({
          name,
          help,
          registers: [app.metrics.registry],
          collect() {
            this.set(read(poolStats()));
          },
        });
      }
    });
  },
  { name: 'dbforge-runtime', fastify: '5.x' },
);
