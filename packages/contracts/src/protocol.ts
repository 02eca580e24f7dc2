/** Headers of the private protocol between the gateway and its workers. */
export const WorkerHeaders = {
  /** The per-worker secret: a worker refuses every request that does not carry it. */
  secret: 'x-dbforge-worker-secret',
  /** Set by a worker on an error reply, so the gateway can count errors by code without parsing the body. */
  errorCode: 'x-dbforge-error-code',
  /**
   * The acting identity, JSON `{"id": string, "roles": string[]}`, set by the gateway (never passed on from a client).
   * Without it a worker acts for the platform admin.
   */
  actor: 'x-dbforge-actor',
  /** The caller's address as the gateway saw it, for a database's own sign-in throttling. */
  clientAddress: 'x-dbforge-client-address',
  /** The hook names that have a webhook configured for the database, comma-separated; set by the gateway. */
  hooks: 'x-dbforge-hooks',
  /** On a worker's internal reply (status 299): the write waits for before-hooks that the gateway must call. */
  hookRequired: 'x-dbforge-hook-required',
  /** On the re-sent request: the token of the worker's 299 reply, binding the verdict to the request and the record. */
  hookToken: 'x-dbforge-hook-token',
  /** On the re-sent request: the hooks' verdict (base64url JSON `{"set": {...}}`), after every hook allowed the write. */
  hookVerdict: 'x-dbforge-hook-verdict',
  /** On a worker's reply to a write: after-hook deliveries are waiting in the database's outbox. */
  outbox: 'x-dbforge-outbox',
} as const;

/** The status of a worker's internal reply "call these before-hooks, then send the request again". Never shown to clients. */
export const HOOK_REQUIRED_STATUS = 299;

/** A worker's after-hook outbox (internal: the gateway never forwards `/_worker/` paths from clients). */
export const WORKER_OUTBOX_PATH = '/_worker/outbox';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Path of a worker's own health endpoint (not forwarded from the public API). */
export const WORKER_HEALTH_PATH = '/_worker/health';

/**
 * Where a pooled worker (started warm, without a database) is given its database, once. Only a pooled worker answers
 * it, and only with its secret; it is never forwarded from the public API.
 */
export const WORKER_ASSIGN_PATH = '/_worker/assign';

/** Default limits. Every one can be changed in configuration; some per database. */
export const Defaults = {
  statementTimeoutMs: 30_000,
  maxResultRows: 10_000,
  maxResultBytes: 16 * 1024 * 1024,
  maxBodyBytes: 16 * 1024 * 1024,
  /** Statements in one batch (each has its own result in the reply); a statement's `param_sets` are not counted. */
  maxBatchStatements: 200_000,
  /** MiB SQLite's page cache may take per database (`DBFORGE_SQLITE_CACHE_MB`). */
  sqliteCacheMb: 32,
} as const;
