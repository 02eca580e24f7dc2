import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Defaults } from '@dbforge/contracts';
import { LogLevelSchema, readConfig, type LogLevel } from '@dbforge/server-kit';
import type { WorkerSettings } from './runtime/types.js';

export const RUNTIMES = ['process', 'docker'] as const;
export type RuntimeKind = (typeof RUNTIMES)[number];

const Bool = (fallback: boolean, description: string) =>
  Type.Boolean({ default: fallback, description: `${description} (true or false)` });

export const GatewayEnvSchema = Type.Object({
  DBFORGE_HOST: Type.String({ default: '127.0.0.1', description: 'the address to listen on' }),
  DBFORGE_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000, description: 'a TCP port, 0 for any free one' }),
  DBFORGE_DATA_DIR: Type.String({ minLength: 1, default: './db-data', description: 'a directory' }),
  DBFORGE_SECRETS_DIR: Type.String({ minLength: 1, default: './secrets', description: 'a directory' }),
  DBFORGE_ADMIN_KEY: Type.Optional(Type.String({ minLength: 24, description: 'at least 24 characters' })),
  DBFORGE_ADMIN_KEY_FILE: Type.Optional(Type.String({ minLength: 1, description: 'a file that holds the admin key' })),
  DBFORGE_RUNTIME: Type.Union(RUNTIMES.map((r) => Type.Literal(r)), { default: 'process', description: RUNTIMES.join(' or ') }),
  DBFORGE_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: Defaults.statementTimeoutMs, description: 'milliseconds' }),
  DBFORGE_MAX_RESULT_ROWS: Type.Integer({ minimum: 1, maximum: 1_000_000, default: Defaults.maxResultRows, description: 'rows' }),
  DBFORGE_MAX_RESULT_BYTES: Type.Integer({ minimum: 1024, default: Defaults.maxResultBytes, description: 'bytes' }),
  DBFORGE_MAX_BODY_BYTES: Type.Integer({ minimum: 1024, default: Defaults.maxBodyBytes, description: 'bytes' }),
  DBFORGE_SQLITE_SYNCHRONOUS: Type.Union([Type.Literal('FULL'), Type.Literal('NORMAL')], { default: 'FULL', description: 'FULL or NORMAL' }),
  DBFORGE_SQLITE_CACHE_MB: Type.Integer({ minimum: 1, maximum: 4096, default: Defaults.sqliteCacheMb, description: "MiB: most memory a SQLite database's page cache may take" }),
  DBFORGE_WORKER_START_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 20_000, description: 'milliseconds' }),
  DBFORGE_WORKER_ENTRY: Type.Optional(Type.String({ minLength: 1, description: "the worker's server.js" })),
  DBFORGE_WORKER_MEMORY_MB: Type.Integer({ minimum: 32, maximum: 65_536, default: 256, description: 'MiB' }),
  DBFORGE_WORKER_CPUS: Type.Number({ minimum: 0.05, maximum: 64, default: 1, description: 'cores' }),
  DBFORGE_WORKER_PIDS: Type.Integer({ minimum: 16, maximum: 65_536, default: 128, description: 'processes and threads' }),
  DBFORGE_WORKER_POOL_SIZE: Type.Optional(Type.Integer({ minimum: 0, maximum: 64, description: 'workers kept started ahead of need, 0 for none (unset: 2 on the process runtime, 0 on docker)' })),
  DBFORGE_DOCKER_SOCKET: Type.Optional(Type.String({ minLength: 1, description: "the Docker engine's Unix socket" })),
  DBFORGE_WORKER_IMAGE: Type.String({ minLength: 1, default: 'dbforge/worker:latest', description: 'an image reference' }),
  DBFORGE_DOCKER_NETWORK: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', default: 'dbforge-workers', description: 'a Docker network name' }),
  DBFORGE_DOCKER_NAMESPACE: Type.String({
    pattern: '^[a-z0-9][a-z0-9-]{0,30}$',
    default: 'dbforge',
    description: 'lower-case letters, digits and -, at most 31 characters',
  }),
  DBFORGE_HOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 5000, description: 'milliseconds a webhook has to answer' }),
  DBFORGE_HOOK_RETRY_BASE_MS: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 2000, description: 'milliseconds before the first retry of an after-hook delivery (doubled each time)' }),
  DBFORGE_HOOK_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 15, description: 'attempts of an after-hook delivery before it is kept as dead' }),
  DBFORGE_HOOK_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000, description: "milliseconds between sweeps of the workers' outboxes" }),
  DBFORGE_TOKEN_SECRET: Type.Optional(Type.String({ minLength: 32, description: 'at least 32 characters' })),
  DBFORGE_ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 900, description: 'seconds' }),
  DBFORGE_REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 300, maximum: 31_536_000, default: 2_592_000, description: 'seconds' }),
  DBFORGE_RATE_LIMIT_PER_SECOND: Type.Integer({
    minimum: 0,
    default: 2000,
    description: 'requests per second per key (per address without one); 0 turns it off',
  }),
  DBFORGE_CORS_ORIGINS: Type.String({ default: '', description: 'comma-separated origins, such as https://app.example.com' }),
  DBFORGE_EVENT_LOG: Bool(true, 'record committed writes in the event log of new databases'),
  DBFORGE_EVENT_RETENTION_DAYS: Type.Optional(Type.Integer({ minimum: 1, maximum: 36_500, description: 'days events are kept (unset: forever)' })),
  DBFORGE_EVENT_RETENTION_EVENTS: Type.Optional(Type.Integer({ minimum: 100, description: 'newest events kept (unset: all)' })),
  DBFORGE_REALTIME_BUFFER_BYTES: Type.Integer({ minimum: 1024, maximum: 1024 * 1024 * 1024, default: 1024 * 1024, description: 'bytes a realtime subscriber may leave unread' }),
  DBFORGE_REALTIME_HEARTBEAT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 15_000, description: 'milliseconds between keep-alives of realtime connections' }),
  DBFORGE_STREAM_RECHECK_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 15,
    description: "seconds between checks that a realtime or event-stream connection's platform credential still reads its database",
  }),
  DBFORGE_WORKER_CHANNEL: Bool(true, "send SQL queries, batches and records' point operations to workers over their channel (false: HTTP only)"),
  DBFORGE_FAST_LANE: Bool(
    true,
    "serve platform callers' SQL queries and batches outside Fastify's request pipeline, with the same checks (needs the worker channel; off while DBFORGE_LOG_REQUESTS is on)",
  ),
  DBFORGE_LOG_LEVEL: LogLevelSchema(),
  DBFORGE_LOG_REQUESTS: Bool(false, 'log one line per request'),
  DBFORGE_METRICS_PUBLIC: Bool(false, 'serve /metrics without a key'),
  DBFORGE_TRUST_PROXY: Type.String({
    default: 'false',
    pattern: '^(?:true|false|[1-9][0-9]?|[0-9A-Fa-f:.]+(?:/[0-9]{1,3})?(?:\\s*,\\s*[0-9A-Fa-f:.]+(?:/[0-9]{1,3})?)*)$',
    description:
      'which X-Forwarded-* to believe: false; the number of proxies in front of the gateway (1 for Traefik alone); the ' +
      'addresses or CIDR ranges of the proxies, comma-separated; or true (every hop: only when nothing but the proxy can reach the gateway)',
  }),
});

export interface GatewayConfig {
  host: string;
  port: number;
  dataDir: string;
  secretsDir: string;
  adminKey?: string | undefined;
  adminKeyFile?: string | undefined;
  runtime: RuntimeKind;
  defaults: WorkerSettings;
  docker: { socket?: string | undefined; image: string; network: string; namespace: string };
  maxBodyBytes: number;
  /** SQL queries, batches and records' point operations go to workers over their channel (false: every request over HTTP). */
  workerChannel: boolean;
  /** Platform callers' SQL queries and batches skip Fastify's pipeline (see forward/fast-lane.ts). */
  fastLane: boolean;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  sqliteCacheMb: number;
  workerStartTimeoutMs: number;
  workerEntry?: string | undefined;
  /** Workers started ahead of need, which spawns claim (0: none). */
  workerPoolSize: number;
  /** Webhooks of resource hooks: their deadline and the after-hook retry schedule. */
  hooks: { timeoutMs: number; retryBaseMs: number; maxAttempts: number; sweepIntervalMs: number };
  tokenSecret?: string | undefined;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  rateLimitPerSecond: number;
  corsOrigins: string[];
  logLevel: LogLevel;
  logRequests: boolean;
  metricsPublic: boolean;
  /** Fastify's `trustProxy`: whether, or how far, to believe X-Forwarded-* (see DBFORGE_TRUST_PROXY). */
  trustProxy: boolean | number | string[];
  /** Seconds between checks that a long-lived stream's platform credential still reads its database. */
  streamRecheckSeconds: number;
}

export type GatewayEnv = Static<typeof GatewayEnvSchema>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): GatewayConfig {
  const e = readConfig(GatewayEnvSchema, env);
  return {
    host: e.DBFORGE_HOST,
    port: e.DBFORGE_PORT,
    dataDir: path.resolve(cwd, e.DBFORGE_DATA_DIR),
    secretsDir: path.resolve(cwd, e.DBFORGE_SECRETS_DIR),
    adminKey: e.DBFORGE_ADMIN_KEY,
    adminKeyFile: e.DBFORGE_ADMIN_KEY_FILE === undefined ? undefined : path.resolve(cwd, e.DBFORGE_ADMIN_KEY_FILE),
    runtime: e.DBFORGE_RUNTIME,
    defaults: {
      statementTimeoutMs: e.DBFORGE_STATEMENT_TIMEOUT_MS,
      maxResultRows: e.DBFORGE_MAX_RESULT_ROWS,
      maxResultBytes: e.DBFORGE_MAX_RESULT_BYTES,
      memoryMb: e.DBFORGE_WORKER_MEMORY_MB,
      cpus: e.DBFORGE_WORKER_CPUS,
      pidsLimit: e.DBFORGE_WORKER_PIDS,
      eventLog: e.DBFORGE_EVENT_LOG,
      eventRetentionDays: e.DBFORGE_EVENT_RETENTION_DAYS ?? null,
      eventRetentionEvents: e.DBFORGE_EVENT_RETENTION_EVENTS ?? null,
      realtimeBufferBytes: e.DBFORGE_REALTIME_BUFFER_BYTES,
      realtimeHeartbeatMs: e.DBFORGE_REALTIME_HEARTBEAT_MS,
    },
    docker: {
      socket: e.DBFORGE_DOCKER_SOCKET,
      image: e.DBFORGE_WORKER_IMAGE,
      network: e.DBFORGE_DOCKER_NETWORK,
      namespace: e.DBFORGE_DOCKER_NAMESPACE,
    },
    maxBodyBytes: e.DBFORGE_MAX_BODY_BYTES,
    workerChannel: e.DBFORGE_WORKER_CHANNEL,
    fastLane: e.DBFORGE_FAST_LANE && e.DBFORGE_WORKER_CHANNEL && !e.DBFORGE_LOG_REQUESTS,
    sqliteSynchronous: e.DBFORGE_SQLITE_SYNCHRONOUS,
    sqliteCacheMb: e.DBFORGE_SQLITE_CACHE_MB,
    workerStartTimeoutMs: e.DBFORGE_WORKER_START_TIMEOUT_MS,
    workerEntry: e.DBFORGE_WORKER_ENTRY,
    // On docker a claimed container keeps the pool's labels and volume name (Docker can't change them), so the pool is
    // opt-in there; on the process runtime a claimed worker is indistinguishable from a new one.
    workerPoolSize: e.DBFORGE_WORKER_POOL_SIZE ?? (e.DBFORGE_RUNTIME === 'process' ? 2 : 0),
    hooks: {
      timeoutMs: e.DBFORGE_HOOK_TIMEOUT_MS,
      retryBaseMs: e.DBFORGE_HOOK_RETRY_BASE_MS,
      maxAttempts: e.DBFORGE_HOOK_MAX_ATTEMPTS,
      sweepIntervalMs: e.DBFORGE_HOOK_SWEEP_INTERVAL_MS,
    },
    tokenSecret: e.DBFORGE_TOKEN_SECRET,
    accessTokenTtlSeconds: e.DBFORGE_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: e.DBFORGE_REFRESH_TOKEN_TTL_SECONDS,
    rateLimitPerSecond: e.DBFORGE_RATE_LIMIT_PER_SECOND,
    corsOrigins: parseOrigins(e.DBFORGE_CORS_ORIGINS),
    logLevel: e.DBFORGE_LOG_LEVEL,
    logRequests: e.DBFORGE_LOG_REQUESTS,
    metricsPublic: e.DBFORGE_METRICS_PUBLIC,
    trustProxy: parseTrustProxy(e.DBFORGE_TRUST_PROXY),
    streamRecheckSeconds: e.DBFORGE_STREAM_RECHECK_SECONDS,
  };
}

/** `true`/`false`, a hop count, or a list of proxy addresses and ranges. */
function parseTrustProxy(text: string): boolean | number | string[] {
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^[0-9]+$/.test(text)) return Number(text);
  return text.split(',').map((part) => part.trim()).filter(Boolean);
}

/** CORS origins: exact origins only. `*` is refused: the API takes credentials, and a wildcard would hand them out. */
function parseOrigins(text: string): string[] {
  const origins = text.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (origin === '*' || url === undefined || url.origin !== origin) {
      throw new Error(
        `Invalid configuration:\n  DBFORGE_CORS_ORIGINS: '${origin}' is not an origin such as https://app.example.com (no wildcard, no path)`,
      );
    }
  }
  return origins;
}
