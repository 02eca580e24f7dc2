import type { Dispatcher } from 'undici';
import { WORKER_ASSIGN_PATH, WorkerHeaders } from '@dbforge/contracts';
import type { WorkerSpec } from './types.js';

export interface DatabaseEnvOptions {
  /** The database's directory as the worker sees it. */
  dataDir: string;
  maxBodyBytes: number;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  sqliteCacheMb: number;
}

/**
 * The variables that tell a worker which database it serves and how: its environment when it starts with its database,
 * or its assignment when it was started warm, in a pool. Never the worker's secret or where it listens.
 */
export function databaseEnv(spec: WorkerSpec, options: DatabaseEnvOptions): Record<string, string> {
  const s = spec.settings;
  const env: Record<string, string | undefined> = {
    DBFORGE_WORKER_DB_NAME: spec.name,
    DBFORGE_WORKER_ENGINE: spec.engine,
    DBFORGE_WORKER_DATA_DIR: options.dataDir,
    DBFORGE_STATEMENT_TIMEOUT_MS: String(s.statementTimeoutMs),
    DBFORGE_MAX_RESULT_ROWS: String(s.maxResultRows),
    DBFORGE_MAX_RESULT_BYTES: String(s.maxResultBytes),
    DBFORGE_MAX_BODY_BYTES: String(options.maxBodyBytes),
    DBFORGE_MAX_DATABASE_BYTES: s.maxDatabaseBytes ? String(s.maxDatabaseBytes) : undefined,
    // Unset values leave the worker's own defaults (log on, kept forever, 1 MiB, 15 s).
    DBFORGE_EVENT_LOG: String(s.eventLog !== false),
    DBFORGE_EVENT_RETENTION_DAYS: s.eventRetentionDays ? String(s.eventRetentionDays) : undefined,
    DBFORGE_EVENT_RETENTION_EVENTS: s.eventRetentionEvents ? String(s.eventRetentionEvents) : undefined,
    DBFORGE_REALTIME_BUFFER_BYTES: s.realtimeBufferBytes ? String(s.realtimeBufferBytes) : undefined,
    DBFORGE_REALTIME_HEARTBEAT_MS: s.realtimeHeartbeatMs ? String(s.realtimeHeartbeatMs) : undefined,
    DBFORGE_SQLITE_SYNCHRONOUS: options.sqliteSynchronous,
    DBFORGE_SQLITE_CACHE_MB: String(options.sqliteCacheMb),
  };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/**
 * Gives a pooled worker its database (once: it refuses a second assignment). Resolves when the worker serves it;
 * rejects with what went wrong otherwise, and the worker ends itself.
 */
export async function assignDatabase(dispatcher: Dispatcher, secret: string, env: Record<string, string>, timeoutMs: number): Promise<void> {
  const response = await dispatcher.request({
    path: WORKER_ASSIGN_PATH,
    method: 'POST',
    headers: { [WorkerHeaders.secret]: secret, 'content-type': 'application/json' },
    body: JSON.stringify({ env }),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`the pooled worker refused its database (${response.statusCode}): ${text.slice(0, 500)}`);
  const reply = JSON.parse(text) as { name?: string };
  if (reply.name !== env.DBFORGE_WORKER_DB_NAME) throw new Error(`the pooled worker answered for database '${reply.name}'`);
}
