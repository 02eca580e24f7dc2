import { Type, type Static } from '@sinclair/typebox';
import fs from 'node:fs';
import { DATABASE_NAME_PATTERN, Defaults } from '@dbforge/contracts';
import { LogLevelSchema, readConfig } from '@dbforge/server-kit';

export const WorkerEnvSchema = Type.Object({
  DBFORGE_WORKER_DB_NAME: Type.String({ pattern: DATABASE_NAME_PATTERN, description: 'the database this worker owns' }),
  DBFORGE_WORKER_ENGINE: Type.Union([Type.Literal('sqlite'), Type.Literal('duckdb')], { default: 'sqlite', description: 'sqlite or duckdb' }),
  DBFORGE_WORKER_DATA_DIR: Type.String({ minLength: 1, description: "the database's own directory" }),
  DBFORGE_WORKER_SECRET: Type.Optional(Type.String({ minLength: 32, description: 'at least 32 characters' })),
  DBFORGE_WORKER_SECRET_FILE: Type.Optional(Type.String({ minLength: 1, description: 'a file holding the secret' })),
  DBFORGE_WORKER_SOCKET: Type.Optional(Type.String({ minLength: 1, maxLength: 107, description: 'a Unix socket path' })),
  DBFORGE_WORKER_HOST: Type.String({ default: '0.0.0.0', description: 'the address to listen on without a socket' }),
  DBFORGE_WORKER_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'a TCP port' }),
  DBFORGE_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: Defaults.statementTimeoutMs, description: 'milliseconds' }),
  DBFORGE_MAX_RESULT_ROWS: Type.Integer({ minimum: 1, default: Defaults.maxResultRows, description: 'rows' }),
  DBFORGE_MAX_RESULT_BYTES: Type.Integer({ minimum: 1024, default: Defaults.maxResultBytes, description: 'bytes' }),
  DBFORGE_MAX_BODY_BYTES: Type.Integer({ minimum: 1024, default: Defaults.maxBodyBytes, description: 'bytes' }),
  DBFORGE_MAX_DATABASE_BYTES: Type.Optional(Type.Integer({ minimum: 65_536, description: "bytes: the database's size quota" })),
  DBFORGE_SQLITE_SYNCHRONOUS: Type.Union([Type.Literal('FULL'), Type.Literal('NORMAL')], { default: 'FULL', description: 'FULL or NORMAL' }),
  DBFORGE_SQLITE_CACHE_MB: Type.Integer({ minimum: 1, maximum: 4096, default: Defaults.sqliteCacheMb, description: "MiB: most memory a SQLite database's page cache may take" }),
  DBFORGE_EVENT_LOG: Type.Boolean({ default: true, description: 'true or false: record committed writes in the event log' }),
  DBFORGE_EVENT_RETENTION_DAYS: Type.Optional(Type.Integer({ minimum: 1, description: 'days events are kept' })),
  DBFORGE_EVENT_RETENTION_EVENTS: Type.Optional(Type.Integer({ minimum: 100, description: 'newest events kept' })),
  DBFORGE_EVENT_RETENTION_INTERVAL_MS: Type.Integer({ minimum: 1000, default: 600_000, description: 'milliseconds between retention runs' }),
  DBFORGE_REALTIME_BUFFER_BYTES: Type.Integer({ minimum: 1024, default: 1024 * 1024, description: 'bytes a realtime subscriber may leave unread' }),
  DBFORGE_REALTIME_HEARTBEAT_MS: Type.Integer({ minimum: 100, default: 15_000, description: 'milliseconds between keep-alives' }),
  DBFORGE_LOG_LEVEL: LogLevelSchema(),
  DBFORGE_WORKER_POOLED: Type.Boolean({
    default: false,
    description: 'true or false: start warm, without a database, and wait for the gateway to assign one',
  }),
});
export type WorkerEnv = Static<typeof WorkerEnvSchema>;

/**
 * What a worker needs before it has a database: how to listen, its secret, its log level. A pooled worker starts with
 * only these; everything else comes with its assignment.
 */
export const WorkerStartupEnvSchema = Type.Pick(WorkerEnvSchema, [
  'DBFORGE_WORKER_SECRET',
  'DBFORGE_WORKER_SECRET_FILE',
  'DBFORGE_WORKER_SOCKET',
  'DBFORGE_WORKER_HOST',
  'DBFORGE_WORKER_PORT',
  'DBFORGE_LOG_LEVEL',
  'DBFORGE_WORKER_POOLED',
]);

/**
 * The variables an assignment may set: the database and its settings. Never the secret or where the worker listens,
 * which were fixed when it started and stay its own.
 */
export const ASSIGNABLE_ENV_KEYS = [
  'DBFORGE_WORKER_DB_NAME',
  'DBFORGE_WORKER_ENGINE',
  'DBFORGE_WORKER_DATA_DIR',
  'DBFORGE_STATEMENT_TIMEOUT_MS',
  'DBFORGE_MAX_RESULT_ROWS',
  'DBFORGE_MAX_RESULT_BYTES',
  'DBFORGE_MAX_BODY_BYTES',
  'DBFORGE_MAX_DATABASE_BYTES',
  'DBFORGE_SQLITE_SYNCHRONOUS',
  'DBFORGE_SQLITE_CACHE_MB',
  'DBFORGE_EVENT_LOG',
  'DBFORGE_EVENT_RETENTION_DAYS',
  'DBFORGE_EVENT_RETENTION_EVENTS',
  'DBFORGE_EVENT_RETENTION_INTERVAL_MS',
  'DBFORGE_REALTIME_BUFFER_BYTES',
  'DBFORGE_REALTIME_HEARTBEAT_MS',
] as const satisfies readonly (keyof WorkerEnv)[];

export interface WorkerStartup {
  secret: string;
  listen: { socket: string } | { host: string; port: number };
  logLevel: WorkerEnv['DBFORGE_LOG_LEVEL'];
  pooled: boolean;
}

export interface WorkerConfig {
  name: string;
  engine: 'sqlite' | 'duckdb';
  dataDir: string;
  secret: string;
  listen: { socket: string } | { host: string; port: number };
  statementTimeoutMs: number;
  maxResultRows: number;
  maxResultBytes: number;
  maxBodyBytes: number;
  maxDatabaseBytes: number | null;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  sqliteCacheMb: number;
  logLevel: WorkerEnv['DBFORGE_LOG_LEVEL'];
  eventLog: boolean;
  events: { retention: { maxAgeDays?: number; maxEvents?: number }; retentionIntervalMs: number; realtimeBufferBytes: number; heartbeatMs: number };
}

function readSecret(e: { DBFORGE_WORKER_SECRET?: string | undefined; DBFORGE_WORKER_SECRET_FILE?: string | undefined }): string {
  const secret =
    e.DBFORGE_WORKER_SECRET ??
    (e.DBFORGE_WORKER_SECRET_FILE === undefined ? undefined : fs.readFileSync(e.DBFORGE_WORKER_SECRET_FILE, 'utf8').trim());
  if (secret === undefined || secret.length < 32) {
    throw new Error(
      'Invalid configuration:\n  DBFORGE_WORKER_SECRET (or DBFORGE_WORKER_SECRET_FILE) must give a secret of at least 32 characters',
    );
  }
  return secret;
}

/** The start-up part of the configuration, all a pooled worker has until it is assigned a database. */
export function loadWorkerStartup(env: NodeJS.ProcessEnv = process.env): WorkerStartup {
  const e = readConfig(WorkerStartupEnvSchema, env);
  return {
    secret: readSecret(e),
    listen:
      e.DBFORGE_WORKER_SOCKET !== undefined
        ? { socket: e.DBFORGE_WORKER_SOCKET }
        : { host: e.DBFORGE_WORKER_HOST, port: e.DBFORGE_WORKER_PORT },
    logLevel: e.DBFORGE_LOG_LEVEL,
    pooled: e.DBFORGE_WORKER_POOLED,
  };
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const e = readConfig(WorkerEnvSchema, env);
  const startup = loadWorkerStartup(env);
  return {
    name: e.DBFORGE_WORKER_DB_NAME,
    engine: e.DBFORGE_WORKER_ENGINE,
    dataDir: e.DBFORGE_WORKER_DATA_DIR,
    secret: startup.secret,
    listen: startup.listen,
    statementTimeoutMs: e.DBFORGE_STATEMENT_TIMEOUT_MS,
    maxResultRows: e.DBFORGE_MAX_RESULT_ROWS,
    maxResultBytes: e.DBFORGE_MAX_RESULT_BYTES,
    maxBodyBytes: e.DBFORGE_MAX_BODY_BYTES,
    maxDatabaseBytes: e.DBFORGE_MAX_DATABASE_BYTES ?? null,
    sqliteSynchronous: e.DBFORGE_SQLITE_SYNCHRONOUS,
    sqliteCacheMb: e.DBFORGE_SQLITE_CACHE_MB,
    logLevel: e.DBFORGE_LOG_LEVEL,
    eventLog: e.DBFORGE_EVENT_LOG,
    events: {
      retention: {
        ...(e.DBFORGE_EVENT_RETENTION_DAYS !== undefined ? { maxAgeDays: e.DBFORGE_EVENT_RETENTION_DAYS } : {}),
        ...(e.DBFORGE_EVENT_RETENTION_EVENTS !== undefined ? { maxEvents: e.DBFORGE_EVENT_RETENTION_EVENTS } : {}),
      },
      retentionIntervalMs: e.DBFORGE_EVENT_RETENTION_INTERVAL_MS,
      realtimeBufferBytes: e.DBFORGE_REALTIME_BUFFER_BYTES,
      heartbeatMs: e.DBFORGE_REALTIME_HEARTBEAT_MS,
    },
  };
}
