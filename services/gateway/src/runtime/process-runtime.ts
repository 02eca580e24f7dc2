import { fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import type { FastifyBaseLogger } from 'fastify';
import { DbForgeError, isValidDatabaseName, type WorkerState, type WorkerStats } from '@dbforge/contracts';
import { LineRing } from './ring-buffer.js';
import { processStats } from './proc-stats.js';
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

export interface ProcessRuntimeOptions {
  /** Each database lives in `<dataDir>/<name>/`. */
  dataDir: string;
  /** The worker's compiled `server.js`. */
  workerEntry: string;
  startTimeoutMs: number;
  maxBodyBytes: number;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  sqliteCacheMb: number;
  logLevel: string;
  logger: FastifyBaseLogger;
  /** Crashes within a minute after which a worker is left failed instead of restarted again. */
  maxCrashesPerMinute?: number;
  /** Workers started at once during reconciliation. */
  startConcurrency?: number;
  /**
   * The warm pool: `size` workers started ahead of need, with the heap limit of `memoryMb` (fixed when a process
   * starts), which spawns of databases with that memory limit claim. Size 0 or unset: no pool.
   */
  pool?: { size: number; memoryMb: number };
}

const STOP_GRACE_MS = 5000;
const LOG_LINES = 1000;

/** Reserved directories inside the data directory: database names can't start with `_`, so they can't clash. */
export const TRASH_DIR = '_trash';

/**
 * A worker started ahead of need, without a database: Node started, modules loaded, listening on its socket, serving
 * nothing until a spawn claims it and assigns it its database.
 */
interface PooledProcess {
  id: string;
  secret: string;
  socketPath: string;
  child: ChildProcess;
  logs: LineRing;
  /** Ends the pool's watch over the process: a database has taken it. */
  release(): void;
}

/**
 * The embedded runtime: every database is served by its own child process, reached over a Unix socket in a private
 * directory, restarted when it dies. Workers exit when the gateway's IPC channel closes, so none outlives it; so do
 * pooled workers, so that a killed gateway leaves none behind.
 */
export class ProcessRuntime implements WorkerRuntime {
  readonly kind = 'process';
  private readonly workers = new Map<string, ProcessWorker>();
  private readonly socketDir: string;
  private readonly pool: WarmPool<PooledProcess> | undefined;

  constructor(private readonly options: ProcessRuntimeOptions) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    // Sockets live in a fresh directory only this user can enter; the per-worker secret is the second lock. The
    // name carries the gateway's pid, so that directories of gateways that were killed can be recognised and removed.
    removeStaleSocketDirs();
    this.socketDir = fs.mkdtempSync(path.join(os.tmpdir(), `dbforge-${process.pid}-`));
    fs.chmodSync(this.socketDir, 0o700);
    this.emptyTrash();
    if (options.pool && options.pool.size > 0) {
      this.pool = new WarmPool({
        size: options.pool.size,
        create: () => this.startPooled(),
        destroy: (pooled) => stopProcess(pooled.child).then(() => fs.rmSync(pooled.socketPath, { force: true })),
        logger: options.logger,
      });
    }
  }

  /** Starts a pooled worker: the environment of a worker without its database, and the pool's heap limit. */
  private startPooled(): Promise<PooledProcess> {
    const { options } = this;
    const id = newId();
    const secret = crypto.randomBytes(32).toString('base64url');
    const socketPath = path.join(this.socketDir, `${id}.sock`);
    const env: NodeJS.ProcessEnv = {
      ...baseEnv(),
      DBFORGE_WORKER_POOLED: 'true',
      DBFORGE_WORKER_SECRET: secret,
      DBFORGE_WORKER_SOCKET: socketPath,
      DBFORGE_LOG_LEVEL: options.logLevel,
    };
    const child = fork(options.workerEntry, [], {
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [heapLimit(options.pool?.memoryMb ?? 256)],
      serialization: 'json',
    });
    const logs = new LineRing(LOG_LINES);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => logs.push(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => logs.push(chunk));
    return new Promise<PooledProcess>((resolve, reject) => {
      let settled = false;
      const fail = (what: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`a pooled worker ${what}: ${logs.tail(5).join(' | ')}`));
      };
      const timer = setTimeout(() => fail(`did not become ready within ${options.startTimeoutMs} ms`), options.startTimeoutMs);
      child.once('exit', (code, signal) => fail(`exited during start-up (${signal ?? `code ${code}`})`));
      child.once('error', (error) => logs.push(`[gateway] could not start a pooled worker: ${error.message}\n`));
      child.on('message', (message: { type?: string }) => {
        if (message?.type !== 'pooled' || settled) return;
        settled = true;
        clearTimeout(timer);
        // A pooled worker that dies before it is claimed leaves the pool, and another takes its place.
        const onIdleExit = () => this.pool?.discard(pooled);
        const pooled: PooledProcess = {
          id,
          secret,
          socketPath,
          child,
          logs,
          release: () => child.off('exit', onIdleExit),
        };
        child.once('exit', onIdleExit);
        resolve(pooled);
      });
    });
  }

  poolStats(): WorkerPoolStats {
    return this.pool?.stats() ?? { size: 0, idle: 0, starting: 0, claims: 0, misses: 0 };
  }

  private worker(name: string): ProcessWorker {
    const worker = this.workers.get(name);
    if (worker === undefined) throw new DbForgeError('NOT_FOUND', 'Database not found.');
    return worker;
  }

  private dataPath(name: string): string {
    // Names are checked by the routes already; checked again because a path is built from it.
    if (!isValidDatabaseName(name)) throw new DbForgeError('BAD_REQUEST', 'Invalid database name.');
    return path.join(this.options.dataDir, name);
  }

  async reconcile(known: WorkerSpec[]): Promise<ReconcileReport> {
    const report: ReconcileReport = { adopted: [], started: [], orphans: [], failed: [] };
    for (const spec of known) {
      if (!this.workers.has(spec.name)) this.workers.set(spec.name, this.createWorker(spec, spec.containerId ?? newId()));
    }
    const names = new Set(known.map((s) => s.name));
    for (const entry of fs.readdirSync(this.options.dataDir, { withFileTypes: true })) {
      if (entry.isDirectory() && !entry.name.startsWith('_') && !names.has(entry.name)) report.orphans.push(entry.name);
    }
    const queue = [...known];
    const concurrency = this.options.startConcurrency ?? 4;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
        for (let spec = queue.shift(); spec !== undefined; spec = queue.shift()) {
          try {
            await this.worker(spec.name).start();
            report.started.push(spec.name);
          } catch (error) {
            report.failed.push({ name: spec.name, message: (error as Error).message });
          }
        }
      }),
    );
    this.pool?.start();
    return report;
  }

  private createWorker(spec: WorkerSpec, containerId: string): ProcessWorker {
    return new ProcessWorker(spec, containerId, this.dataPath(spec.name), this.socketDir, this.options);
  }

  async spawn(spec: WorkerSpec): Promise<WorkerStatus> {
    if (this.workers.has(spec.name)) return this.start(spec.name);
    const dir = this.dataPath(spec.name);
    if (fs.existsSync(dir)) {
      // Data without a catalogue entry (a prune interrupted by a crash): kept aside, never served to a new database.
      const aside = path.join(this.options.dataDir, '_orphaned', `${spec.name}-${Date.now()}`);
      fs.mkdirSync(path.dirname(aside), { recursive: true });
      fs.renameSync(dir, aside);
      this.options.logger.warn({ db: spec.name, movedTo: aside }, 'moved leftover data of an unknown database aside');
    }
    // The pool's workers run with its heap limit, fixed when a process starts: another limit needs its own process.
    const pooled = spec.settings.memoryMb === this.options.pool?.memoryMb ? this.pool?.claim() : undefined;
    const worker = this.createWorker(spec, pooled?.id ?? spec.containerId ?? newId());
    this.workers.set(spec.name, worker);
    try {
      if (pooled) await worker.startFrom(pooled);
      else await worker.start();
    } catch (error) {
      this.workers.delete(spec.name);
      await worker.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return worker.status();
  }

  async start(name: string): Promise<WorkerStatus> {
    const worker = this.worker(name);
    await worker.start();
    return worker.status();
  }

  ensureRunning(name: string): Promise<WorkerEndpoint> {
    return this.worker(name).ensureRunning();
  }

  runningEndpoint(name: string): WorkerEndpoint | undefined {
    return this.workers.get(name)?.runningEndpoint();
  }

  async stop(name: string): Promise<void> {
    await this.worker(name).stop();
  }

  async restart(name: string, options: { kill: boolean; reason: string; spec?: WorkerSpec }): Promise<void> {
    const worker = this.worker(name);
    if (options.spec) worker.spec = options.spec;
    await worker.restart(options.kill, options.reason);
  }

  async remove(name: string): Promise<void> {
    const worker = this.workers.get(name);
    if (worker) {
      await worker.stop();
      this.workers.delete(name);
    }
    const dir = this.dataPath(name);
    if (fs.existsSync(dir)) {
      // Renamed first (atomic), deleted after: a crash half-way never leaves half a database under its name.
      const trash = path.join(this.options.dataDir, TRASH_DIR, `${name}-${Date.now()}-${newId()}`);
      fs.mkdirSync(path.dirname(trash), { recursive: true });
      fs.renameSync(dir, trash);
      await fs.promises.rm(trash, { recursive: true, force: true });
    }
  }

  private emptyTrash(): void {
    fs.rmSync(path.join(this.options.dataDir, TRASH_DIR), { recursive: true, force: true });
  }

  status(name: string): WorkerStatus | undefined {
    return this.workers.get(name)?.status();
  }

  list(): WorkerStatus[] {
    return [...this.workers.values()].map((w) => w.status());
  }

  async logs(name: string, tail: number): Promise<string[]> {
    return this.worker(name).logs.tail(tail);
  }

  async stats(name: string): Promise<Omit<WorkerStats, 'db_name'>> {
    const worker = this.worker(name);
    const pid = worker.pid;
    if (pid === undefined) throw new DbForgeError('WORKER_UNAVAILABLE', `The worker of database '${name}' is not running.`);
    // The process runtime caps the worker's JavaScript heap, not its whole memory: no limit is reported.
    return processStats(pid, null);
  }

  async sizeBytes(name: string): Promise<number> {
    return directorySize(this.dataPath(name));
  }

  async ping(): Promise<RuntimeHealth> {
    if (!fs.existsSync(this.options.workerEntry)) {
      return { ok: false, message: `worker entry ${this.options.workerEntry} is missing: run npm run build` };
    }
    return { ok: true };
  }

  async close(): Promise<void> {
    await Promise.all([this.pool?.close(), ...[...this.workers.values()].map((w) => w.stop())]);
    fs.rmSync(this.socketDir, { recursive: true, force: true });
  }
}

/** What every worker's environment starts from: nothing of the gateway's own (its admin key above all). */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: process.env.NODE_ENV ?? 'production',
    TZ: process.env.TZ,
    LANG: process.env.LANG,
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env;
}

/** Without containers the memory limit can only bound the JavaScript heap; the engines' own memory is outside it. */
function heapLimit(memoryMb: number): string {
  return `--max-old-space-size=${Math.max(16, Math.floor(memoryMb * 0.75))}`;
}

/** Ends a process gracefully, forcefully after a grace period. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function removeStaleSocketDirs(): void {
  for (const entry of fs.readdirSync(os.tmpdir())) {
    const match = /^dbforge-(\d+)-[A-Za-z0-9]{6}$/.exec(entry);
    if (!match) continue;
    const pid = Number(match[1]);
    try {
      process.kill(pid, 0);
    } catch (error) {
      // ESRCH: no such process. (EPERM means it lives, under another user: not ours to touch.)
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
    }
  }
}

function newId(): string {
  return crypto.randomBytes(6).toString('hex');
}

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await directorySize(full);
    else if (entry.isFile()) total += (await fs.promises.stat(full).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** One database's worker process and the connections to it. */
class ProcessWorker {
  state: WorkerState = 'stopped';
  logs = new LineRing(LOG_LINES);
  private child: ChildProcess | undefined;
  private endpoint: WorkerEndpoint | undefined;
  private starting: Promise<void> | undefined;
  /** A restart under way: requests wait for it instead of failing while the old process stops. */
  private restarting: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly crashes: number[] = [];
  private restarts = 0;
  private startedAt: string | undefined;
  private lastFailure: string | undefined;
  private readonly socketPath: string;

  constructor(
    public spec: WorkerSpec,
    readonly containerId: string,
    private readonly dataDir: string,
    socketDir: string,
    private readonly options: ProcessRuntimeOptions,
  ) {
    this.socketPath = path.join(socketDir, `${containerId}.sock`);
  }

  get pid(): number | undefined {
    return this.state === 'running' ? this.child?.pid : undefined;
  }

  status(): WorkerStatus {
    return {
      name: this.spec.name,
      containerId: this.containerId,
      state: this.state,
      engine: this.spec.engine,
      restarts: this.restarts,
      startedAt: this.startedAt,
    };
  }

  runningEndpoint(): WorkerEndpoint | undefined {
    return this.state === 'running' ? this.endpoint : undefined;
  }

  async ensureRunning(): Promise<WorkerEndpoint> {
    if (this.state === 'running' && this.endpoint !== undefined) return this.endpoint;
    if (this.restarting) await this.restarting.catch(() => undefined);
    if (this.state === 'running' && this.endpoint !== undefined) return this.endpoint;
    if (this.state === 'stopping') {
      throw new DbForgeError('WORKER_UNAVAILABLE', `The worker of database '${this.spec.name}' is stopping; retry shortly.`);
    }
    await this.start();
    if (this.endpoint === undefined) {
      throw new DbForgeError('WORKER_UNAVAILABLE', `The worker of database '${this.spec.name}' is not running.`);
    }
    return this.endpoint;
  }

  start(): Promise<void> {
    if (this.state === 'running') return Promise.resolve();
    if (this.starting) return this.starting;
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
    }
    this.starting = this.launch().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private databaseEnv(): Record<string, string> {
    return databaseEnv(this.spec, { dataDir: this.dataDir, maxBodyBytes: this.options.maxBodyBytes, sqliteSynchronous: this.options.sqliteSynchronous, sqliteCacheMb: this.options.sqliteCacheMb });
  }

  /**
   * Takes a pooled worker for this database: assigns it the database and serves through it. Should the assignment
   * fail, the pooled worker is ended and a worker of this database's own is started instead.
   */
  startFrom(pooled: PooledProcess): Promise<void> {
    this.starting = this.adopt(pooled).finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async adopt(pooled: PooledProcess): Promise<void> {
    const { child } = pooled;
    pooled.release();
    this.state = 'starting';
    // Its log so far (its start) becomes the database's.
    this.logs = pooled.logs;
    const dispatcher = new Pool('http://worker', { socketPath: pooled.socketPath, connections: 32, pipelining: 1, keepAliveTimeout: 60_000 });
    try {
      await assignDatabase(dispatcher, pooled.secret, this.databaseEnv(), this.options.startTimeoutMs);
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('the pooled worker exited');
    } catch (error) {
      this.options.logger.warn({ db: this.spec.name, err: error }, 'a pooled worker could not take the database; starting one of its own');
      await dispatcher.destroy().catch(() => undefined);
      await stopProcess(child);
      this.state = 'stopped';
      return this.launch();
    }
    this.child = child;
    child.once('exit', (code, signal) => void this.onExit(child, code, signal));
    this.endpoint = {
      name: this.spec.name,
      engine: this.spec.engine,
      secret: pooled.secret,
      settings: this.spec.settings,
      address: { socketPath: this.socketPath },
      dispatcher,
    };
    this.state = 'running';
    this.startedAt = new Date().toISOString();
    this.lastFailure = undefined;
  }

  private launch(): Promise<void> {
    const { spec, options } = this;
    const secret = crypto.randomBytes(32).toString('base64url');
    this.state = this.restarts > 0 || this.crashes.length > 0 ? 'restarting' : 'starting';
    // An explicit environment: nothing of the gateway's own (its admin key above all) reaches a worker.
    const env: NodeJS.ProcessEnv = {
      ...baseEnv(),
      ...this.databaseEnv(),
      DBFORGE_WORKER_SECRET: secret,
      DBFORGE_WORKER_SOCKET: this.socketPath,
      DBFORGE_LOG_LEVEL: options.logLevel,
    };

    return new Promise<void>((resolve, reject) => {
      const child = fork(options.workerEntry, [], {
        env,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        execArgv: [heapLimit(spec.settings.memoryMb)],
        serialization: 'json',
      });
      this.child = child;
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.logs.push(chunk));
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.logs.push(chunk));

      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        child.kill('SIGKILL');
        reject(this.startFailure(`did not become ready within ${options.startTimeoutMs} ms`));
      }, options.startTimeoutMs);

      child.on('message', (message: { type?: string }) => {
        if (message?.type !== 'ready' || settled) return;
        settled = true;
        clearTimeout(timer);
        this.endpoint = {
          name: spec.name,
          engine: spec.engine,
          secret,
          settings: spec.settings,
          address: { socketPath: this.socketPath },
          dispatcher: new Pool('http://worker', {
            socketPath: this.socketPath,
            connections: 32,
            pipelining: 1,
            keepAliveTimeout: 60_000,
          }),
        };
        this.state = 'running';
        this.startedAt = new Date().toISOString();
        this.lastFailure = undefined;
        resolve();
      });

      child.once('exit', (code, signal) => {
        void this.onExit(child, code, signal);
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          reject(this.startFailure(`exited during start-up (${signal ?? `code ${code}`})`));
        }
      });
      child.once('error', (error) => {
        this.logs.push(`[gateway] could not start the worker: ${error.message}\n`);
      });
    });
  }

  private startFailure(what: string): DbForgeError {
    const detail = this.logs.tail(5).join(' | ');
    this.lastFailure = `${what}${detail ? `: ${detail}` : ''}`;
    this.options.logger.error({ db: this.spec.name, detail: this.lastFailure }, 'worker failed to start');
    return new DbForgeError(
      'WORKER_UNAVAILABLE',
      `The worker of database '${this.spec.name}' failed to start. Its log: GET /admin/databases/${this.spec.name}/logs`,
    );
  }

  private async onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.child !== child) return;
    this.child = undefined;
    const endpoint = this.endpoint;
    this.endpoint = undefined;
    if (endpoint) void (endpoint.dispatcher as Pool).destroy().catch(() => undefined);
    if (this.state === 'stopping' || this.state === 'stopped') {
      this.state = 'stopped';
      return;
    }
    // An exit nobody asked for: count it, and restart with a growing delay unless it keeps crashing.
    const now = Date.now();
    this.crashes.push(now);
    while (this.crashes.length > 0 && now - this.crashes[0]! > 60_000) this.crashes.shift();
    this.restarts += 1;
    this.options.logger.warn({ db: this.spec.name, code, signal, recentCrashes: this.crashes.length }, 'worker exited');
    if (this.crashes.length > (this.options.maxCrashesPerMinute ?? 5)) {
      this.state = 'failed';
      this.options.logger.error({ db: this.spec.name }, 'worker keeps crashing: left failed until the next request');
      return;
    }
    this.state = 'restarting';
    const delay = Math.min(100 * 2 ** (this.crashes.length - 1), 5000);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start().catch(() => undefined);
    }, delay);
  }

  restart(kill: boolean, reason: string): Promise<void> {
    if (this.restarting) return this.restarting;
    this.restarting = this.doRestart(kill, reason).finally(() => {
      this.restarting = undefined;
    });
    return this.restarting;
  }

  private async doRestart(kill: boolean, reason: string): Promise<void> {
    this.options.logger.warn({ db: this.spec.name, reason, kill }, 'restarting worker');
    if (kill) {
      // Deliberate: not a crash. The process dies now; the exit handler must not count it or wait.
      const child = this.child;
      this.state = 'stopping';
      if (child) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGKILL');
        await exited;
      }
    } else {
      await this.stop();
    }
    this.restarts += 1;
    this.state = 'stopped';
    await this.start();
  }

  async stop(): Promise<void> {
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
    }
    const child = this.child;
    if (!child) {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    this.state = 'stopped';
  }
}
