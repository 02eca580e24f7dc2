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
  DBFORGE_WORKER_START_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 20_000, description: 'milliseconds' }),
  DBFORGE_WORKER_ENTRY: Type.Optional(Type.String({ minLength: 1, description: "the worker's server.js" })),
  DBFORGE_WORKER_MEMORY_MB: Type.Integer({ minimum: 32, maximum: 65_536, default: 256, description: 'MiB' }),
  DBFORGE_WORKER_CPUS: Type.Number({ minimum: 0.05, maximum: 64, default: 1, description: 'cores' }),
  DBFORGE_WORKER_PIDS: Type.Integer({ minimum: 16, maximum: 65_536, default: 128, description: 'processes and threads' }),
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
  DBFORGE_LOG_LEVEL: LogLevelSchema(),
  DBFORGE_LOG_REQUESTS: Bool(false, 'log one line per request'),
  DBFORGE_METRICS_PUBLIC: Bool(false, 'serve /metrics without a key'),
  DBFORGE_TRUST_PROXY: Bool(false, 'trust X-Forwarded-* from a reverse proxy such as Traefik'),
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
  sqliteSynchronous: 'FULL' | 'NORMAL';
  workerStartTimeoutMs: number;
  workerEntry?: string | undefined;
  /** Webhooks of resource hooks: their deadline and the after-hook retry schedule. */
  hooks: { timeoutMs: number; retryBaseMs: number; maxAttempts: number; sweepIntervalMs: number };
  logLevel: LogLevel;
  logRequests: boolean;
  metricsPublic: boolean;
  trustProxy: boolean;
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
    },
    docker: {
      socket: e.DBFORGE_DOCKER_SOCKET,
      image: e.DBFORGE_WORKER_IMAGE,
      network: e.DBFORGE_DOCKER_NETWORK,
      namespace: e.DBFORGE_DOCKER_NAMESPACE,
    },
    maxBodyBytes: e.DBFORGE_MAX_BODY_BYTES,
    sqliteSynchronous: e.DBFORGE_SQLITE_SYNCHRONOUS,
    workerStartTimeoutMs: e.DBFORGE_WORKER_START_TIMEOUT_MS,
    workerEntry: e.DBFORGE_WORKER_ENTRY,
    hooks: {
      timeoutMs: e.DBFORGE_HOOK_TIMEOUT_MS,
      retryBaseMs: e.DBFORGE_HOOK_RETRY_BASE_MS,
      maxAttempts: e.DBFORGE_HOOK_MAX_ATTEMPTS,
      sweepIntervalMs: e.DBFORGE_HOOK_SWEEP_INTERVAL_MS,
    },
    logLevel: e.DBFORGE_LOG_LEVEL,
    logRequests: e.DBFORGE_LOG_REQUESTS,
    metricsPublic: e.DBFORGE_METRICS_PUBLIC,
    trustProxy: e.DBFORGE_TRUST_PROXY,
  };
}
