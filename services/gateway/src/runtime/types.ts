import type { Dispatcher } from 'undici';
import type { EngineName, WorkerState, WorkerStats } from '@dbforge/contracts';

/** The settings a worker runs with: the database's own overrides laid over the gateway's defaults. */
export interface WorkerSettings {
  statementTimeoutMs: number;
  maxResultRows: number;
  maxResultBytes: number;
  memoryMb: number;
  cpus: number;
  pidsLimit: number;
  /** The size quota of the database (its tenant's); null for none. */
  maxDatabaseBytes?: number | null;
  /** Record committed writes in the event log. */
  eventLog: boolean;
  /** Event retention: days, and the newest events kept; null keeps everything. */
  eventRetentionDays: number | null;
  eventRetentionEvents: number | null;
  /** Bytes a realtime subscriber may leave unread before it is cut off (a gateway-wide setting). */
  realtimeBufferBytes: number;
  /** Milliseconds between keep-alives of realtime connections (a gateway-wide setting). */
  realtimeHeartbeatMs: number;
}

/** Everything a runtime needs to run the worker of one database. */
export interface WorkerSpec {
  name: string;
  engine: EngineName;
  settings: WorkerSettings;
  /** The id the catalogue knows the worker by; a runtime may assign a new one at spawn. */
  containerId?: string | undefined;
}

/** How the gateway reaches a running worker. */
export interface WorkerEndpoint {
  name: string;
  engine: EngineName;
  /** Pooled keep-alive connections to the worker. */
  dispatcher: Dispatcher;
  /** Sent with every request: the worker answers nothing else. */
  secret: string;
  /** Where the worker listens, for connections the dispatcher can't carry (WebSockets). */
  address: { socketPath: string } | { host: string; port: number };
  settings: WorkerSettings;
}

export interface WorkerStatus {
  name: string;
  containerId: string;
  state: WorkerState;
  engine: EngineName;
  /** Restarts since the gateway started, for whatever reason. */
  restarts: number;
  startedAt?: string | undefined;
}

/** The warm pool of a runtime: workers started ahead of need that spawns claim. */
export interface WorkerPoolStats {
  /** Workers the pool keeps ready (0: no pool). */
  size: number;
  /** Ready now. */
  idle: number;
  /** Being started. */
  starting: number;
  /** Spawns served from the pool since the gateway started. */
  claims: number;
  /** Spawns that found the pool empty and started their own worker. */
  misses: number;
}

export interface ReconcileReport {
  adopted: string[];
  started: string[];
  /** Workers or data the runtime found that no catalogue entry claims. They are reported, never deleted. */
  orphans: string[];
  failed: { name: string; message: string }[];
}

export interface RuntimeHealth {
  ok: boolean;
  message?: string;
}

/**
 * Worker lifecycle. Routes never see how workers run (child processes, containers, ...): they go through this
 * interface, so new runtimes slot in without touching them.
 */
export interface WorkerRuntime {
  readonly kind: string;
  /**
   * Called once at start with every database of the catalogue: adopt or start their workers, report orphans, remove
   * what an earlier gateway's warm pool left; then the pool starts filling.
   */
  reconcile(known: WorkerSpec[]): Promise<ReconcileReport>;
  /** Creates a new database's worker and waits until it answers. Returns its status (with its container id). */
  spawn(spec: WorkerSpec): Promise<WorkerStatus>;
  /** Starts a known worker that is not running. */
  start(name: string): Promise<WorkerStatus>;
  /** The endpoint of a running worker, starting it first if needed. The hot path: cheap when it already runs. */
  ensureRunning(name: string): Promise<WorkerEndpoint>;
  /** The endpoint of a worker that runs now, or undefined (then `ensureRunning` starts it or waits for it). */
  runningEndpoint(name: string): WorkerEndpoint | undefined;
  /** Stops a worker; its data stays. */
  stop(name: string): Promise<void>;
  /**
   * Restarts a worker. `kill` ends it at once (a runaway statement); otherwise it is stopped gracefully, with
   * in-flight requests answered first.
   */
  restart(name: string, options: { kill: boolean; reason: string; spec?: WorkerSpec }): Promise<void>;
  /** Stops the worker and deletes its data for good. */
  remove(name: string): Promise<void>;
  status(name: string): WorkerStatus | undefined;
  list(): WorkerStatus[];
  /**
   * Brings `status` and `list` up to date with the runtime's own view, for runtimes where workers can change state
   * outside the gateway (a container stopped by hand). Optional: the process runtime always knows.
   */
  refresh?(): Promise<void>;
  logs(name: string, tail: number): Promise<string[]>;
  /** CPU, memory and I/O of the worker now. */
  stats(name: string): Promise<Omit<WorkerStats, 'db_name'>>;
  sizeBytes(name: string): Promise<number>;
  /** Whether the runtime can start workers right now. */
  ping(): Promise<RuntimeHealth>;
  /** The warm pool, for runtimes that keep one. */
  poolStats?(): WorkerPoolStats;
  /** Stops what this gateway started (the process runtime) or lets it run on (containers); ends the warm pool. */
  close(): Promise<void>;
}
