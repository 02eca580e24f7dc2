/** Headers of the private protocol between the gateway and its workers. */
export const WorkerHeaders = {
  /** The per-worker secret: a worker refuses every request that does not carry it. */
  secret: 'x-dbforge-worker-secret',
  /** Set by a worker on an error reply, so the gateway can count errors by code without parsing the body. */
  errorCode: 'x-dbforge-error-code',
} as const;

export const REQUEST_ID_HEADER = 'x-request-id';

/** Path of a worker's own health endpoint (not forwarded from the public API). */
export const WORKER_HEALTH_PATH = '/_worker/health';

/** Default limits. Every one can be changed in configuration; some per database. */
export const Defaults = {
  statementTimeoutMs: 30_000,
  maxResultRows: 10_000,
  maxResultBytes: 16 * 1024 * 1024,
  maxBodyBytes: 16 * 1024 * 1024,
  maxBatchStatements: 200_000,
} as const;
