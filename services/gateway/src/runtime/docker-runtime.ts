import crypto from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { ContainerCreateOptions, ContainerInspectInfo } from 'dockerode';
import { Pool } from 'undici';
import type { FastifyBaseLogger } from 'fastify';
import { DbForgeError, WORKER_HEALTH_PATH, WorkerHeaders, isValidDatabaseName, type WorkerState, type WorkerStats } from '@dbforge/contracts';
import { demuxDockerLogs } from './docker-logs.js';
import { WarmPool } from './warm-pool.js';
import { assignDatabase, databaseEnv } from './worker-env.js';
import type {
  ReconcileReport,
  RuntimeHealth,
  WorkerEndpoint,
  WorkerPoolStats,
  WorkerRuntime,
  WorkerSpec,
  WorkerStatus,
} from './types.js';

export interface DockerRuntimeOptions {
  docker: Docker;
  /** Shown in messages about an unreachable engine. */
  socketDescription: string;
  image: string;
  network: string;
  /** Prefix of container and volume names, and the label that marks what this gateway manages. */
  namespace: string;
  startTimeoutMs: number;
  maxBodyBytes: number;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  sqliteCacheMb: number;
  logLevel: string;
  logger: FastifyBaseLogger;
  /**
   * The warm pool: `size` containers created and started ahead of need, with these limits, which spawns claim. A
   * spawn with another memory limit gets a fresh container (the heap is sized when Node starts); other CPU or pids
   * limits are applied to the claimed container. Size 0 or unset: no pool.
   */
  pool?: { size: number; limits: ContainerLimits };
}

export interface ContainerLimits {
  memoryMb: number;
  cpus: number;
  pidsLimit: number;
}

export const LABELS = {
  managedBy: 'dev.dbforge.managed-by',
  namespace: 'dev.dbforge.namespace',
  database: 'dev.dbforge.database',
  engine: 'dev.dbforge.engine',
  /** A container (and its volume) started by the warm pool: its slot. Labels can't change, so a claimed one keeps it. */
  pool: 'dev.dbforge.pool',
} as const;

/**
 * A container of the warm pool: started from the worker image without a database (DBFORGE_WORKER_POOLED), named
 * `<namespace>-pool-<slot>`, with an empty volume of the same name, serving nothing until a spawn claims it.
 */
interface PooledContainer {
  id: string;
  slot: string;
  secret: string;
  volume: string;
}

const WORKER_PORT = 8080;
const STOP_GRACE_SECONDS = 10;

interface DockerError {
  statusCode?: number;
  code?: string;
  message: string;
}

function isDockerError(error: unknown, status: number): boolean {
  return (error as DockerError)?.statusCode === status;
}

/**
 * One container per database, from the worker image: its own data volume, a private network shared with the gateway
 * only, no published ports, memory, CPU and pids limits, a non-root user, a read-only root filesystem with a tmpfs for
 * scratch, every capability dropped, no-new-privileges, a health check and a restart policy. Containers outlive the
 * gateway; a new gateway adopts them.
 */
export class DockerRuntime implements WorkerRuntime {
  readonly kind = 'docker';
  private readonly workers = new Map<string, ContainerWorker>();
  private events: Readable | undefined;
  private closed = false;
  private networkReady: Promise<void> | undefined;
  private readonly pool: WarmPool<PooledContainer> | undefined;

  constructor(private readonly options: DockerRuntimeOptions) {
    if (options.pool && options.pool.size > 0) {
      this.pool = new WarmPool({
        size: options.pool.size,
        create: () => this.startPooled(options.pool!.limits),
        destroy: (pooled) => this.removeContainer(pooled.id, [pooled.volume]),
        logger: options.logger,
      });
    }
  }

  containerName(name: string): string {
    return `${this.options.namespace}-worker-${name}`;
  }

  volumeName(name: string): string {
    return `${this.options.namespace}-data-${name}`;
  }

  private poolName(slot: string): string {
    return `${this.options.namespace}-pool-${slot}`;
  }

  /**
   * The database a container serves: its label, or, for a claimed pooled container (whose labels were fixed before it
   * had a database, and Docker can't change labels), its name, which the claim set.
   */
  databaseOf(labels: Record<string, string>, names: string | string[] | undefined): string | undefined {
    const label = labels[LABELS.database];
    if (label) return label;
    if (labels[LABELS.pool] === undefined) return undefined;
    const prefix = `${this.containerName('')}`;
    for (const name of [names ?? []].flat()) {
      const bare = name.replace(/^\//, '');
      if (bare.startsWith(prefix) && isValidDatabaseName(bare.slice(prefix.length))) return bare.slice(prefix.length);
    }
    return undefined;
  }

  /** A pooled container no spawn has claimed (its name is still the pool's). */
  private isUnclaimedPooled(labels: Record<string, string>, names: string[]): boolean {
    return labels[LABELS.pool] !== undefined && names.some((n) => n.replace(/^\//, '').startsWith(this.poolName('')));
  }

  poolStats(): WorkerPoolStats {
    return this.pool?.stats() ?? { size: 0, idle: 0, starting: 0, claims: 0, misses: 0 };
  }

  /** Creates and starts a pooled container and its empty volume; resolves once it answers, unassigned. */
  private async startPooled(limits: ContainerLimits): Promise<PooledContainer> {
    const { docker, namespace, network } = this.options;
    await this.ensureNetwork();
    await this.requireImage();
    const slot = crypto.randomBytes(6).toString('hex');
    const name = this.poolName(slot);
    const labels = { [LABELS.managedBy]: 'dbforge', [LABELS.namespace]: namespace, [LABELS.pool]: slot };
    await docker.createVolume({ Name: name, Labels: labels });
    let id: string = name;
    try {
      const container = await docker.createContainer(
        containerOptions(this.options, { name, labels, volume: name, env: ['DBFORGE_WORKER_POOLED=true'], limits, restart: 'no' }),
      );
      id = container.id;
      await container.start();
      const info = await container.inspect();
      const secret = secretOf(info);
      const address = info.NetworkSettings.Networks[network]?.IPAddress;
      if (!address) throw new Error(`the pooled container has no address on network ${network}`);
      const client = new Pool(`http://${address}:${WORKER_PORT}`, { connections: 1 });
      try {
        const deadline = Date.now() + this.options.startTimeoutMs;
        for (;;) {
          const status = await client
            .request({ path: WORKER_HEALTH_PATH, method: 'GET', headers: { [WorkerHeaders.secret]: secret }, headersTimeout: 2000 })
            .then(async (r) => (await r.body.json()) as { status?: string })
            .catch(() => undefined);
          if (status?.status === 'pooled') break;
          if (Date.now() > deadline) throw new Error(`the pooled container did not answer within ${this.options.startTimeoutMs} ms`);
          const state = await container.inspect().then((i) => i.State);
          if (!state.Running) throw new Error(`the pooled container exited during start-up (code ${state.ExitCode})`);
          await sleep(50);
        }
      } finally {
        await client.destroy().catch(() => undefined);
      }
      return { id, slot, secret, volume: name };
    } catch (error) {
      await this.removeContainer(id, [name]).catch(() => undefined);
      throw error;
    }
  }

  /** Removes a container and the given volumes (a volume can stay busy for a moment after its container is removed). */
  private async removeContainer(idOrName: string, volumes: string[]): Promise<void> {
    const { docker } = this.options;
    try {
      await docker.getContainer(idOrName).remove({ force: true });
    } catch (error) {
      if (!isDockerError(error, 404)) throw error;
    }
    for (const volume of new Set(volumes)) {
      for (let attempt = 0; ; attempt++) {
        try {
          await docker.getVolume(volume).remove();
          break;
        } catch (error) {
          if (isDockerError(error, 404)) break;
          if (!isDockerError(error, 409) || attempt >= 20) throw error;
          await sleep(100);
        }
      }
    }
  }

  /** Any failure to talk to the engine itself becomes a 503 that says so. */
  engineError(error: unknown): DbForgeError {
    if (error instanceof DbForgeError) return error;
    const e = error as DockerError;
    if (e?.code === 'EACCES') {
      return new DbForgeError(
        'WORKER_UNAVAILABLE',
        `The gateway may not use the Docker engine at ${this.options.socketDescription} (permission denied): run it as a member of the socket's group.`,
        { cause: error },
      );
    }
    if (e?.code === 'ECONNREFUSED' || e?.code === 'ENOENT' || e?.code === 'ECONNRESET' || e?.code === 'EPIPE') {
      return new DbForgeError(
        'WORKER_UNAVAILABLE',
        `The Docker engine at ${this.options.socketDescription} is unreachable (${e.code}); databases whose workers are already running keep answering.`,
        { cause: error },
      );
    }
    return new DbForgeError('WORKER_UNAVAILABLE', `The Docker engine refused the operation: ${e?.message ?? String(error)}`, { cause: error });
  }

  private worker(name: string): ContainerWorker {
    const worker = this.workers.get(name);
    if (worker === undefined) throw new DbForgeError('NOT_FOUND', 'Database not found.');
    return worker;
  }

  private labels(spec: WorkerSpec): Record<string, string> {
    return {
      [LABELS.managedBy]: 'dbforge',
      [LABELS.namespace]: this.options.namespace,
      [LABELS.database]: spec.name,
      [LABELS.engine]: spec.engine,
    };
  }

  private ensureNetwork(): Promise<void> {
    this.networkReady ??= (async () => {
      const { docker, network } = this.options;
      try {
        await docker.getNetwork(network).inspect();
      } catch (error) {
        if (!isDockerError(error, 404)) throw error;
        try {
          // Internal: workers reach nothing outside it, and nothing but the gateway reaches them.
          await docker.createNetwork({
            Name: network,
            Driver: 'bridge',
            Internal: true,
            Labels: { [LABELS.managedBy]: 'dbforge' },
          });
        } catch (createError) {
          if (!isDockerError(createError, 409)) throw createError;
        }
      }
    })().catch((error: unknown) => {
      this.networkReady = undefined;
      throw error;
    });
    return this.networkReady;
  }

  async reconcile(known: WorkerSpec[]): Promise<ReconcileReport> {
    const report: ReconcileReport = { adopted: [], started: [], orphans: [], failed: [] };
    let containers: Docker.ContainerInfo[];
    try {
      await this.ensureNetwork();
      containers = await this.options.docker.listContainers({
        all: true,
        filters: { label: [`${LABELS.namespace}=${this.options.namespace}`] },
      });
    } catch (error) {
      // Without an engine nothing can be adopted now; each database is tried again on its first request.
      for (const spec of known) this.workers.set(spec.name, new ContainerWorker(this, spec, this.options));
      report.failed.push(...known.map((s) => ({ name: s.name, message: this.engineError(error).message })));
      this.watchEvents();
      this.pool?.start();
      return report;
    }
    // Pooled containers no spawn claimed belong to an earlier gateway's pool: nothing of them is worth keeping.
    const unclaimed = containers.filter((c) => this.isUnclaimedPooled(c.Labels, c.Names));
    containers = containers.filter((c) => !unclaimed.includes(c));
    await Promise.all(
      unclaimed.map((c) =>
        this.removeContainer(c.Id, c.Mounts.filter((m) => m.Type === 'volume' && m.Name).map((m) => m.Name!)).catch((error: unknown) =>
          this.options.logger.warn({ err: error, container: c.Names[0] }, 'could not remove an earlier pooled container'),
        ),
      ),
    );
    const byDatabase = new Map(containers.map((c) => [this.databaseOf(c.Labels, c.Names) ?? '', c]));
    const knownNames = new Set(known.map((s) => s.name));
    for (const container of containers) {
      const db = this.databaseOf(container.Labels, container.Names) ?? '';
      if (!knownNames.has(db)) report.orphans.push(`${container.Names[0]?.replace(/^\//, '') ?? container.Id} (database '${db}')`);
    }
    this.watchEvents();
    for (const spec of known) {
      const worker = new ContainerWorker(this, spec, this.options);
      this.workers.set(spec.name, worker);
      const existing = byDatabase.get(spec.name);
      try {
        if (existing) {
          await worker.adopt(existing.Id);
          report.adopted.push(spec.name);
        } else {
          // The container is gone (removed by hand): a new one mounts the database's volume again, so no data is lost.
          await worker.create();
          await worker.start();
          report.started.push(spec.name);
        }
      } catch (error) {
        report.failed.push({ name: spec.name, message: this.engineError(error).message });
      }
    }
    this.pool?.start();
    return report;
  }

  async spawn(spec: WorkerSpec): Promise<WorkerStatus> {
    // A new database never takes over a worker of an earlier one of the same name (its container and data are being
    // removed): that would hand the old data to the new owner.
    if (this.workers.has(spec.name)) {
      throw new DbForgeError('CONFLICT', `An earlier database named '${spec.name}' is still being removed; try again shortly.`);
    }
    if (!isValidDatabaseName(spec.name)) throw new DbForgeError('BAD_REQUEST', 'Invalid database name.');
    try {
      await this.ensureNetwork();
      await this.requireImage();
      await this.refuseLeftovers(spec.name);
    } catch (error) {
      throw this.engineError(error);
    }
    // A pooled container's memory limit sized its Node heap when it started: another limit needs a container of its own.
    const pooled = spec.settings.memoryMb === this.options.pool?.limits.memoryMb ? this.pool?.claim() : undefined;
    if (pooled) {
      const claimed = new ContainerWorker(this, spec, this.options);
      this.workers.set(spec.name, claimed);
      try {
        await claimed.claim(pooled);
        return claimed.status();
      } catch (error) {
        this.options.logger.warn({ db: spec.name, err: error }, 'a pooled container could not take the database; creating one of its own');
        this.workers.delete(spec.name);
        await claimed.prepareRemoval();
        await this.removeContainer(pooled.id, [pooled.volume]).catch(() => undefined);
      }
    }
    const worker = new ContainerWorker(this, spec, this.options);
    this.workers.set(spec.name, worker);
    try {
      await worker.create();
      await worker.start();
    } catch (error) {
      this.workers.delete(spec.name);
      await worker.prepareRemoval();
      await this.destroy(spec.name).catch(() => undefined);
      throw this.engineError(error);
    }
    return worker.status();
  }

  private async requireImage(): Promise<void> {
    try {
      await this.options.docker.getImage(this.options.image).inspect();
    } catch (error) {
      if (!isDockerError(error, 404)) throw error;
      throw new DbForgeError(
        'WORKER_UNAVAILABLE',
        `The worker image ${this.options.image} is missing. Build it with: npm run docker:build (from the DB-Forge repository).`,
      );
    }
  }

  /** A new database never inherits the volume of an earlier one (a prune interrupted by a crash): say what to do. */
  private async refuseLeftovers(name: string): Promise<void> {
    const { docker } = this.options;
    try {
      await docker.getContainer(this.containerName(name)).remove({ force: true });
    } catch (error) {
      if (!isDockerError(error, 404)) throw error;
    }
    try {
      await docker.getVolume(this.volumeName(name)).inspect();
    } catch (error) {
      if (isDockerError(error, 404)) return;
      throw error;
    }
    throw new DbForgeError(
      'CONFLICT',
      `A data volume from an earlier database named '${name}' still exists (${this.volumeName(name)}). ` +
        `Inspect it, then remove it with: docker volume rm ${this.volumeName(name)}`,
    );
  }

  async start(name: string): Promise<WorkerStatus> {
    const worker = this.worker(name);
    try {
      await worker.start();
    } catch (error) {
      throw this.engineError(error);
    }
    return worker.status();
  }

  ensureRunning(name: string): Promise<WorkerEndpoint> {
    return this.worker(name).ensureRunning();
  }

  runningEndpoint(name: string): WorkerEndpoint | undefined {
    return this.workers.get(name)?.runningEndpoint();
  }

  async stop(name: string): Promise<void> {
    try {
      await this.worker(name).stop();
    } catch (error) {
      throw this.engineError(error);
    }
  }

  async restart(name: string, options: { kill: boolean; reason: string; spec?: WorkerSpec }): Promise<void> {
    const worker = this.worker(name);
    try {
      if (options.spec) await worker.recreate(options.spec, options.reason);
      else await worker.restart(options.kill, options.reason);
    } catch (error) {
      throw this.engineError(error);
    }
  }

  async remove(name: string): Promise<void> {
    const worker = this.workers.get(name);
    try {
      await worker?.prepareRemoval();
      await this.destroy(name, worker?.volume);
    } catch (error) {
      throw this.engineError(error);
    } finally {
      // Gone from the catalogue already: whatever failed, the worker is not this gateway's any more. What the engine
      // kept is found by name at the next spawn (its container removed, a leftover volume refused, never served).
      this.workers.delete(name);
    }
  }

  /**
   * Removes a database's container and its data volume for good: the volume named after it, or the one it mounts
   * (a database first served by a pooled container keeps that container's volume).
   */
  private async destroy(name: string, known?: string): Promise<void> {
    const container = this.options.docker.getContainer(this.containerName(name));
    const mounted = await container.inspect().then(dataVolumeOf, (error: unknown) => (isDockerError(error, 404) ? undefined : Promise.reject(error)));
    await this.removeContainer(this.containerName(name), [this.volumeName(name), ...(known ? [known] : []), ...(mounted ? [mounted] : [])]);
  }

  status(name: string): WorkerStatus | undefined {
    return this.workers.get(name)?.status();
  }

  /** One listing of the namespace's containers updates every worker's state from Docker's own. */
  async refresh(): Promise<void> {
    let containers: Docker.ContainerInfo[];
    try {
      containers = await this.options.docker.listContainers({
        all: true,
        filters: { label: [`${LABELS.namespace}=${this.options.namespace}`] },
      });
    } catch {
      return; // the engine is unreachable: the last known states stand
    }
    const byDatabase = new Map(containers.map((c) => [this.databaseOf(c.Labels, c.Names) ?? '', c]));
    for (const [name, worker] of this.workers) worker.observe(byDatabase.get(name));
  }

  list(): WorkerStatus[] {
    return [...this.workers.values()].map((w) => w.status());
  }

  async logs(name: string, tail: number): Promise<string[]> {
    try {
      return await this.worker(name).logs(tail);
    } catch (error) {
      throw this.engineError(error);
    }
  }

  async stats(name: string): Promise<Omit<WorkerStats, 'db_name'>> {
    try {
      return await this.worker(name).stats();
    } catch (error) {
      throw this.engineError(error);
    }
  }

  async sizeBytes(name: string): Promise<number> {
    return this.workers.get(name)?.sizeBytes() ?? 0;
  }

  async ping(): Promise<RuntimeHealth> {
    try {
      await this.options.docker.ping();
    } catch (error) {
      return { ok: false, message: this.engineError(error).message };
    }
    try {
      await this.options.docker.getImage(this.options.image).inspect();
    } catch (error) {
      if (isDockerError(error, 404)) return { ok: false, message: `the worker image ${this.options.image} is missing: run npm run docker:build` };
      return { ok: false, message: this.engineError(error).message };
    }
    return { ok: true };
  }

  /** Container deaths the gateway did not ask for are noticed at once, not at the next request. */
  private watchEvents(): void {
    if (this.events || this.closed) return;
    this.options.docker
      .getEvents({
        filters: { type: ['container'], label: [`${LABELS.namespace}=${this.options.namespace}`], event: ['die', 'oom'] },
      })
      .then((stream) => {
        if (this.closed) {
          (stream as Readable).destroy();
          return;
        }
        this.events = stream as Readable;
        let buffered = '';
        this.events.on('data', (chunk: Buffer) => {
          buffered += chunk.toString('utf8');
          let newline = buffered.indexOf('\n');
          while (newline !== -1) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            newline = buffered.indexOf('\n');
            try {
              const event = JSON.parse(line) as { Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
              const attributes = event.Actor?.Attributes ?? {};
              const db = this.databaseOf(attributes, attributes.name);
              if (db) this.workers.get(db)?.onDeath(event.Action ?? 'die');
              // A pooled container that died before a spawn claimed it is replaced.
              const pooled = event.Action === 'die' ? this.pool?.find((p) => p.id === event.Actor?.ID) : undefined;
              if (pooled) this.pool?.discard(pooled);
            } catch {
              // not a whole event: ignore
            }
          }
        });
        const again = () => {
          this.events = undefined;
          if (!this.closed) setTimeout(() => this.watchEvents(), 2000).unref();
        };
        this.events.on('error', again);
        this.events.on('end', again);
      })
      .catch(() => {
        if (!this.closed) setTimeout(() => this.watchEvents(), 2000).unref();
      });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.events?.destroy();
    // Databases' containers keep running: the next gateway adopts them. Only connections are closed. The pool's
    // containers serve nobody: they are removed with their volumes.
    await Promise.all([this.pool?.close(), ...[...this.workers.values()].map((w) => w.detach())]);
  }
}

/** The container of one database and the connections to it. */
class ContainerWorker {
  private state: WorkerState = 'stopped';
  private containerId = '';
  private secret = '';
  private endpoint: WorkerEndpoint | undefined;
  private starting: Promise<void> | undefined;
  private restarting: Promise<void> | undefined;
  /** Set while the gateway itself stops or removes the container, so that its death is not treated as a crash. */
  private expectingStop = false;
  private restarts = 0;
  private startedAt: string | undefined;
  private lastSize = 0;
  private lastSizeAt = 0;
  /** The volume at /data when it is not the one named after the database (a claimed pooled container's). */
  volume: string | undefined;
  /** Claimed from the pool: the container starts unassigned (at every start) and is given its database on connect. */
  private pooled = false;

  constructor(
    private readonly runtime: DockerRuntime,
    public spec: WorkerSpec,
    private readonly options: DockerRuntimeOptions,
  ) {}

  private get container(): Docker.Container {
    return this.options.docker.getContainer(this.containerId || this.runtime.containerName(this.spec.name));
  }

  status(): WorkerStatus {
    return {
      name: this.spec.name,
      containerId: this.containerId.slice(0, 12),
      state: this.state,
      engine: this.spec.engine,
      restarts: this.restarts,
      startedAt: this.startedAt,
    };
  }

  private createOptions(): ContainerCreateOptions {
    const { spec, options } = this;
    return containerOptions(options, {
      name: this.runtime.containerName(spec.name),
      labels: {
        [LABELS.managedBy]: 'dbforge',
        [LABELS.namespace]: options.namespace,
        [LABELS.database]: spec.name,
        [LABELS.engine]: spec.engine,
      },
      // A database first served by a pooled container keeps that container's volume: it holds the data.
      volume: this.volume ?? this.runtime.volumeName(spec.name),
      env: Object.entries(databaseEnv(spec, { dataDir: '/data', maxBodyBytes: options.maxBodyBytes, sqliteSynchronous: options.sqliteSynchronous, sqliteCacheMb: options.sqliteCacheMb })).map(
        ([key, value]) => `${key}=${value}`,
      ),
      limits: spec.settings,
      restart: 'unless-stopped',
    });
  }

  async create(): Promise<void> {
    const { docker } = this.options;
    await docker.createVolume({
      Name: this.runtime.volumeName(this.spec.name),
      Labels: {
        [LABELS.managedBy]: 'dbforge',
        [LABELS.namespace]: this.options.namespace,
        [LABELS.database]: this.spec.name,
      },
    });
    const container = await docker.createContainer(this.createOptions());
    this.containerId = container.id;
  }

  /**
   * Takes a pooled container for this database: it gets the database's name, the spawn's CPU and pids limits and
   * Docker's restart policy, then its database. What Docker can't change on a container (its labels, its volume) stays
   * as the pool made it: the runtime finds a claimed container by its name.
   */
  async claim(pooled: PooledContainer): Promise<void> {
    this.state = 'starting';
    this.containerId = pooled.id;
    this.secret = pooled.secret;
    this.volume = pooled.volume;
    this.pooled = true;
    const s = this.spec.settings;
    await this.container.rename({ name: this.runtime.containerName(this.spec.name) });
    await this.container.update({
      NanoCpus: Math.round(s.cpus * 1e9),
      PidsLimit: s.pidsLimit,
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
    });
    await this.connect(await this.container.inspect());
  }

  /** What the container itself says about how it serves this database. */
  private learn(info: ContainerInspectInfo): void {
    this.containerId = info.Id;
    this.secret = secretOf(info);
    this.pooled = info.Config.Labels?.[LABELS.pool] !== undefined;
    const volume = dataVolumeOf(info);
    this.volume = volume !== undefined && volume !== this.runtime.volumeName(this.spec.name) ? volume : undefined;
  }

  /** Takes over a container found at start-up: its secret and address come from Docker itself. */
  async adopt(id: string): Promise<void> {
    this.containerId = id;
    const info = await this.container.inspect();
    this.learn(info);
    if (info.State.Running) {
      await this.connect(info);
    } else {
      await this.start();
    }
  }

  runningEndpoint(): WorkerEndpoint | undefined {
    return this.state === 'running' ? this.endpoint : undefined;
  }

  ensureRunning(): Promise<WorkerEndpoint> {
    if (this.state === 'running' && this.endpoint !== undefined) return Promise.resolve(this.endpoint);
    return (async () => {
      if (this.restarting) await this.restarting.catch(() => undefined);
      if (this.state !== 'running' || this.endpoint === undefined) await this.start().catch((e: unknown) => Promise.reject(this.runtime.engineError(e)));
      if (this.endpoint === undefined) {
        throw new DbForgeError('WORKER_UNAVAILABLE', `The worker of database '${this.spec.name}' is not running.`);
      }
      return this.endpoint;
    })();
  }

  start(): Promise<void> {
    if (this.state === 'running' && this.endpoint) return Promise.resolve();
    this.starting ??= this.launch().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async launch(): Promise<void> {
    this.state = this.restarts > 0 ? 'restarting' : 'starting';
    this.expectingStop = false;
    try {
      await this.container.start();
    } catch (error) {
      // 304: it already runs (Docker's restart policy may have been first).
      if (!isDockerError(error, 304)) {
        this.state = 'failed';
        throw error;
      }
    }
    let info = await this.container.inspect();
    // Docker's restart policy may be restarting the container at this moment (after an OOM kill, say): it has no
    // network address until it runs again, so it is asked again for a while rather than given up on.
    const deadline = Date.now() + this.options.startTimeoutMs;
    while (!info.NetworkSettings.Networks[this.options.network]?.IPAddress && (info.State.Restarting || info.State.Running) && Date.now() < deadline) {
      await delay(100);
      info = await this.container.inspect();
    }
    this.learn(info);
    await this.connect(info);
  }

  /** Connects to the running container and waits until the worker answers its health endpoint. */
  private async connect(info: ContainerInspectInfo): Promise<void> {
    const address = info.NetworkSettings.Networks[this.options.network]?.IPAddress;
    if (!address) {
      this.state = 'failed';
      throw new DbForgeError('WORKER_UNAVAILABLE', `The worker of database '${this.spec.name}' has no address on network ${this.options.network}.`);
    }
    const previous = this.endpoint;
    this.endpoint = undefined;
    if (previous) void (previous.dispatcher as Pool).destroy().catch(() => undefined);
    const pool = new Pool(`http://${address}:${WORKER_PORT}`, { connections: 32, pipelining: 1, keepAliveTimeout: 60_000 });
    const deadline = Date.now() + this.options.startTimeoutMs;
    for (;;) {
      try {
        const response = await pool.request({
          path: WORKER_HEALTH_PATH,
          method: 'GET',
          headers: { [WorkerHeaders.secret]: this.secret },
          headersTimeout: 2000,
        });
        const body = (await response.body.json()) as { status?: string; size_bytes?: number };
        if (response.statusCode === 200 && body.status === 'pooled') {
          // A claimed pooled container starts unassigned, at its claim and after every restart: it is given its
          // database (only this one: the data directory is bound to it at the first assignment).
          if (!this.pooled) throw new DbForgeError('WORKER_UNAVAILABLE', `The container of database '${this.spec.name}' serves no database.`);
          await assignDatabase(pool, this.secret, this.assignment(), this.options.startTimeoutMs);
          continue;
        }
        if (response.statusCode === 200) {
          this.lastSize = body.size_bytes ?? 0;
          this.lastSizeAt = Date.now();
          break;
        }
      } catch {
        // not listening yet
      }
      const state = await this.container.inspect().then((i) => i.State).catch(() => undefined);
      if (state && !state.Running && !state.Restarting) {
        await pool.destroy().catch(() => undefined);
        this.state = 'failed';
        throw this.startFailure(`exited during start-up (code ${state.ExitCode}${state.OOMKilled ? ', out of memory' : ''})`);
      }
      if (Date.now() > deadline) {
        await pool.destroy().catch(() => undefined);
        this.state = 'failed';
        throw this.startFailure(`did not answer within ${this.options.startTimeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.endpoint = {
      name: this.spec.name,
      engine: this.spec.engine,
      dispatcher: pool,
      secret: this.secret,
      settings: this.spec.settings,
      address: { host: address, port: WORKER_PORT },
    };
    this.state = 'running';
    this.startedAt = new Date().toISOString();
  }

  private assignment(): Record<string, string> {
    return databaseEnv(this.spec, { dataDir: '/data', maxBodyBytes: this.options.maxBodyBytes, sqliteSynchronous: this.options.sqliteSynchronous, sqliteCacheMb: this.options.sqliteCacheMb });
  }

  private startFailure(what: string): DbForgeError {
    this.options.logger.error({ db: this.spec.name, container: this.containerId.slice(0, 12), what }, 'worker failed to start');
    return new DbForgeError(
      'WORKER_UNAVAILABLE',
      `The worker of database '${this.spec.name}' ${what}. Its log: GET /admin/databases/${this.spec.name}/logs`,
    );
  }

  /** Takes Docker's view of the container (from a listing) unless the gateway is in the middle of changing it. */
  observe(container: Docker.ContainerInfo | undefined): void {
    if (this.starting || this.restarting || this.state === 'stopping') return;
    if (container === undefined) {
      this.state = 'failed';
      return;
    }
    const dockerState = container.State; // created, running, paused, restarting, removing, exited, dead
    if (dockerState === 'running') {
      // Running but unreachable from here (the gateway lost it): starting again reconnects.
      if (this.state !== 'running' || this.endpoint === undefined) this.state = 'starting';
    } else if (dockerState === 'restarting') {
      this.state = 'restarting';
    } else if (dockerState === 'exited' || dockerState === 'created' || dockerState === 'dead' || dockerState === 'paused') {
      this.state = this.expectingStop ? 'stopped' : dockerState === 'dead' ? 'failed' : 'stopped';
    }
  }

  /** A container died. Unless the gateway stopped it, it is brought back (Docker's restart policy may be faster). */
  onDeath(action: string): void {
    if (action === 'oom') {
      this.options.logger.warn({ db: this.spec.name }, 'worker ran out of memory');
      return;
    }
    if (this.expectingStop || this.state === 'stopped' || this.state === 'stopping') return;
    this.restarts += 1;
    this.state = 'restarting';
    const endpoint = this.endpoint;
    this.endpoint = undefined;
    if (endpoint) void (endpoint.dispatcher as Pool).destroy().catch(() => undefined);
    this.options.logger.warn({ db: this.spec.name }, 'worker container died; bringing it back');
    // Docker's restart policy restarts a crash, but not a `docker kill`: either way, start() settles it.
    setTimeout(() => {
      if (this.state === 'restarting' && !this.starting) {
        this.start().catch((error: unknown) => this.options.logger.error({ db: this.spec.name, err: error }, 'restart failed'));
      }
    }, 300).unref();
  }

  restart(kill: boolean, reason: string): Promise<void> {
    this.restarting ??= (async () => {
      this.options.logger.warn({ db: this.spec.name, reason, kill }, 'restarting worker');
      this.expectingStop = true;
      this.state = 'stopping';
      const endpoint = this.endpoint;
      this.endpoint = undefined;
      if (endpoint) void (endpoint.dispatcher as Pool).destroy().catch(() => undefined);
      try {
        if (kill) await this.container.kill().catch((e: unknown) => (isDockerError(e, 409) ? undefined : Promise.reject(e)));
        else await this.container.stop({ t: STOP_GRACE_SECONDS }).catch((e: unknown) => (isDockerError(e, 304) ? undefined : Promise.reject(e)));
      } finally {
        this.restarts += 1;
        this.state = 'stopped';
      }
      await this.start();
    })().finally(() => {
      this.restarting = undefined;
    });
    return this.restarting;
  }

  /** New settings are start-up configuration: the container is recreated on the same volume. */
  async recreate(spec: WorkerSpec, reason: string): Promise<void> {
    this.options.logger.info({ db: spec.name, reason }, 'recreating worker container');
    await this.stop();
    await this.container.remove({ force: true }).catch((e: unknown) => (isDockerError(e, 404) ? undefined : Promise.reject(e)));
    this.spec = spec;
    const container = await this.options.docker.createContainer(this.createOptions());
    this.containerId = container.id;
    this.restarts += 1;
    await this.start();
  }

  async stop(): Promise<void> {
    this.expectingStop = true;
    this.state = 'stopping';
    await this.detach();
    try {
      await this.container.stop({ t: STOP_GRACE_SECONDS });
    } catch (error) {
      if (!isDockerError(error, 304) && !isDockerError(error, 404)) throw error;
    }
    this.state = 'stopped';
  }

  /** The gateway is about to remove the container: its death is expected, its connections closed. */
  async prepareRemoval(): Promise<void> {
    this.expectingStop = true;
    this.state = 'stopping';
    await this.detach();
  }

  async detach(): Promise<void> {
    const endpoint = this.endpoint;
    this.endpoint = undefined;
    if (endpoint) await (endpoint.dispatcher as Pool).close().catch(() => undefined);
  }

  async logs(tail: number): Promise<string[]> {
    const buffer = (await this.container.logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
    return demuxDockerLogs(Buffer.isBuffer(buffer) ? buffer : Buffer.from(String(buffer)));
  }

  async stats(): Promise<Omit<WorkerStats, 'db_name'>> {
    const s = (await this.container.stats({ stream: false })) as unknown as DockerStats;
    const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
    const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
    const cpus = s.cpu_stats.online_cpus ?? s.cpu_stats.cpu_usage.percpu_usage?.length ?? 1;
    const cache = s.memory_stats.stats?.total_inactive_file ?? s.memory_stats.stats?.inactive_file ?? s.memory_stats.stats?.cache ?? 0;
    const io = s.blkio_stats?.io_service_bytes_recursive ?? [];
    const sum = (op: string) => io.filter((e) => e.op.toLowerCase() === op).reduce((t, e) => t + e.value, 0);
    const networks = Object.values(s.networks ?? {});
    return {
      cpu_percent: systemDelta > 0 ? Math.round((cpuDelta / systemDelta) * cpus * 1000) / 10 : 0,
      memory_bytes: Math.max(0, (s.memory_stats.usage ?? 0) - cache),
      memory_limit_bytes: s.memory_stats.limit ?? null,
      block_read_bytes: sum('read'),
      block_write_bytes: sum('write'),
      network_rx_bytes: networks.reduce((t, n) => t + n.rx_bytes, 0),
      network_tx_bytes: networks.reduce((t, n) => t + n.tx_bytes, 0),
      pids: s.pids_stats?.current ?? null,
    };
  }

  /** The database's size as its worker last reported it (the volume may not be visible to the gateway). */
  async sizeBytes(): Promise<number> {
    if (this.state !== 'running' || !this.endpoint || Date.now() - this.lastSizeAt < 2000) return this.lastSize;
    try {
      const response = await this.endpoint.dispatcher.request({
        path: WORKER_HEALTH_PATH,
        method: 'GET',
        headers: { [WorkerHeaders.secret]: this.secret },
        headersTimeout: 2000,
      });
      const body = (await response.body.json()) as { size_bytes?: number };
      if (response.statusCode === 200 && typeof body.size_bytes === 'number') {
        this.lastSize = body.size_bytes;
        this.lastSizeAt = Date.now();
      }
    } catch {
      // keep the last known size
    }
    return this.lastSize;
  }
}

interface DockerStats {
  cpu_stats: { cpu_usage: { total_usage: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number };
  memory_stats: { usage?: number; limit?: number; stats?: { total_inactive_file?: number; inactive_file?: number; cache?: number } };
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
  pids_stats?: { current?: number };
}

function secretOf(info: ContainerInspectInfo): string {
  const entry = info.Config.Env.find((e) => e.startsWith('DBFORGE_WORKER_SECRET='));
  if (!entry) throw new DbForgeError('WORKER_UNAVAILABLE', `Container ${info.Name} carries no worker secret: it is not a DB-Forge worker.`);
  return entry.slice('DBFORGE_WORKER_SECRET='.length);
}

interface ContainerShape {
  name: string;
  labels: Record<string, string>;
  volume: string;
  /** The database's variables (none for a pooled container); the secret and where to listen are added here. */
  env: string[];
  limits: ContainerLimits;
  /** A pooled container that dies is replaced, not restarted: it gets Docker's restart policy once claimed. */
  restart: 'unless-stopped' | 'no';
}

/** How every worker container is made, a database's or a pooled one: the same image, hardening and limits. */
function containerOptions(options: DockerRuntimeOptions, shape: ContainerShape): ContainerCreateOptions {
  const { limits } = shape;
  return {
    name: shape.name,
    Image: options.image,
    User: '1000:1000',
    Labels: shape.labels,
    Env: [
      ...shape.env,
      'DBFORGE_WORKER_HOST=0.0.0.0',
      `DBFORGE_WORKER_PORT=${WORKER_PORT}`,
      `DBFORGE_WORKER_SECRET=${crypto.randomBytes(32).toString('base64url')}`,
      `DBFORGE_LOG_LEVEL=${options.logLevel}`,
    ],
    ExposedPorts: { [`${WORKER_PORT}/tcp`]: {} },
    Healthcheck: {
      Test: ['CMD', 'node', 'dist/healthcheck.js'],
      Interval: 5e9,
      Timeout: 3e9,
      Retries: 3,
      StartPeriod: 10e9,
    },
    HostConfig: {
      NetworkMode: options.network,
      Init: true,
      Mounts: [{ Type: 'volume', Source: shape.volume, Target: '/data' }],
      Memory: limits.memoryMb * 1024 * 1024,
      MemorySwap: limits.memoryMb * 1024 * 1024,
      NanoCpus: Math.round(limits.cpus * 1e9),
      PidsLimit: limits.pidsLimit,
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,noexec,nosuid,size=64m' },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      RestartPolicy: { Name: shape.restart, MaximumRetryCount: 0 },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
    },
  };
}

/** The volume mounted at /data, as Docker reports it. */
function dataVolumeOf(info: ContainerInspectInfo): string | undefined {
  return info.Mounts.find((m) => m.Destination === '/data' && m.Type === 'volume')?.Name;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}
