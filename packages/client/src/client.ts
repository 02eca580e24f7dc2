import type {
  BatchBody,
  BatchReply,
  CreateTableBody,
  DatabaseInfo,
  DatabaseSettings,
  GatewayStats,
  InsertRowsReply,
  LogsReply,
  MessageReply,
  PruneReply,
  QueryExecReply,
  QueryReply,
  QueryRowsReply,
  ReadyReply,
  SelectRowsReply,
  SpawnBody,
  SpawnReply,
  SqlParams,
  TableDetail,
  TableListReply,
} from '@dbforge/contracts';
import { DbForgeApiError } from './errors.js';

export interface DbForgeClientOptions {
  /** The gateway, such as `http://localhost:8000`. */
  baseUrl: string;
  /** Sent as `X-API-Key`. */
  apiKey?: string | undefined;
  /** Milliseconds before a call is abandoned (default: none). */
  timeoutMs?: number | undefined;
  /** Extra headers on every call. */
  headers?: Record<string, string> | undefined;
  /** A fetch implementation; the global one by default. */
  fetch?: typeof fetch | undefined;
}

export interface RawReply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined> | undefined;
  headers?: Record<string, string> | undefined;
  /** Send this exact text as the body (with the JSON content type), for callers that test the API itself. */
  rawBody?: string | undefined;
}

export type Row = Record<string, unknown>;

export function isRowsReply<R extends Row = Row>(reply: QueryReply): reply is QueryRowsReply & { data: R[] } {
  return Array.isArray((reply as QueryRowsReply).data);
}

/** A typed client for the DB-Forge HTTP API. */
export class DbForgeClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: DbForgeClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The same client with another key (or none). */
  withApiKey(apiKey: string | undefined): DbForgeClient {
    return new DbForgeClient({ ...this.options, apiKey });
  }

  /** Any call, answered as it came: status, headers and the parsed body. Never throws for an HTTP error status. */
  async raw<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<RawReply<T>> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers, ...options.headers };
    if (this.options.apiKey !== undefined && headers['x-api-key'] === undefined) headers['x-api-key'] = this.options.apiKey;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        body,
        ...(this.options.timeoutMs ? { signal: AbortSignal.timeout(this.options.timeoutMs) } : {}),
      });
    } catch (error) {
      throw new DbForgeApiError({
        status: 0,
        code: 'NETWORK_ERROR',
        message: `Could not reach ${url.origin}: ${(error as Error).message}`,
        cause: error,
      });
    }
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  /** A call that answers the body on success and throws DbForgeApiError otherwise. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const reply = await this.raw<T>(method, path, options);
    if (reply.status >= 400) {
      throw DbForgeApiError.fromReply(reply.status, reply.body, reply.headers.get('x-request-id') ?? undefined);
    }
    return reply.body;
  }

  /* ---------------------------------------------------------------- service */

  info(): Promise<{ name: string; version: string; message: string; docs: string }> {
    return this.request('GET', '/');
  }

  health(): Promise<{ status: string }> {
    return this.request('GET', '/health');
  }

  ready(): Promise<ReadyReply> {
    return this.request('GET', '/ready');
  }

  metrics(): Promise<string> {
    return this.request('GET', '/metrics');
  }

  /* ---------------------------------------------------------------- admin */

  async spawnDatabase(name: string, options?: SpawnBody): Promise<SpawnReply & { created: boolean }> {
    const reply = await this.raw<SpawnReply>('POST', `/admin/databases/spawn/${encodeURIComponent(name)}`, {
      ...(options ? { body: options } : {}),
    });
    if (reply.status >= 400) {
      throw DbForgeApiError.fromReply(reply.status, reply.body, reply.headers.get('x-request-id') ?? undefined);
    }
    return { ...reply.body, created: reply.status === 201 };
  }

  pruneDatabase(name: string): Promise<PruneReply> {
    return this.request('POST', `/admin/databases/prune/${encodeURIComponent(name)}`);
  }

  deleteDatabase(name: string): Promise<PruneReply> {
    return this.request('DELETE', `/admin/databases/${encodeURIComponent(name)}`);
  }

  listDatabases(): Promise<DatabaseInfo[]> {
    return this.request('GET', '/admin/databases');
  }

  getDatabase(name: string): Promise<DatabaseInfo> {
    return this.request('GET', `/admin/databases/${encodeURIComponent(name)}`);
  }

  updateDatabaseSettings(name: string, settings: DatabaseSettings): Promise<DatabaseInfo> {
    return this.request('PATCH', `/admin/databases/${encodeURIComponent(name)}`, { body: settings });
  }

  databaseLogs(name: string, tail?: number): Promise<LogsReply> {
    return this.request('GET', `/admin/databases/${encodeURIComponent(name)}/logs`, { query: { tail } });
  }

  gatewayStats(): Promise<GatewayStats> {
    return this.request('GET', '/admin/gateway/stats');
  }

  /* ---------------------------------------------------------------- data */

  /** The data API of one database. */
  db(name: string): DatabaseClient {
    return new DatabaseClient(this, name);
  }
}

export interface SelectRowsOptions {
  limit?: number;
  offset?: number;
  /** Equality filters: column name to value. */
  where?: Record<string, string | number | boolean>;
}

export class DatabaseClient {
  private readonly base: string;

  constructor(
    private readonly client: DbForgeClient,
    readonly name: string,
  ) {
    this.base = `/api/db/${encodeURIComponent(name)}`;
  }

  /** Runs one statement; the reply has `data` when the statement returns rows. */
  query(sql: string, params?: SqlParams): Promise<QueryReply> {
    return this.client.request('POST', `${this.base}/query`, { body: params === undefined ? { sql } : { sql, params } });
  }

  /** Runs a statement that returns rows and answers the rows. */
  async select<R extends Row = Row>(sql: string, params?: SqlParams): Promise<R[]> {
    const reply = await this.query(sql, params);
    if (!isRowsReply<R>(reply)) throw new TypeError('the statement returned no rows (use execute)');
    return reply.data;
  }

  /** Runs a statement that returns no rows and answers its counts. */
  async execute(sql: string, params?: SqlParams): Promise<QueryExecReply> {
    const reply = await this.query(sql, params);
    if (isRowsReply(reply)) throw new TypeError('the statement returned rows (use select)');
    return reply;
  }

  batch(statements: BatchBody['statements']): Promise<BatchReply> {
    return this.client.request('POST', `${this.base}/batch`, { body: { statements } });
  }

  listTables(): Promise<TableListReply> {
    return this.client.request('GET', `${this.base}/tables`);
  }

  createTable(definition: CreateTableBody): Promise<MessageReply> {
    return this.client.request('POST', `${this.base}/tables`, { body: definition });
  }

  describeTable(table: string): Promise<TableDetail> {
    return this.client.request('GET', `${this.base}/tables/${encodeURIComponent(table)}`);
  }

  selectRows(table: string, options: SelectRowsOptions = {}): Promise<SelectRowsReply> {
    const query: Record<string, string | number | boolean | undefined> = { ...options.where };
    if (options.limit !== undefined) query.limit = options.limit;
    if (options.offset !== undefined) query.offset = options.offset;
    return this.client.request('GET', `${this.base}/tables/${encodeURIComponent(table)}/rows`, { query });
  }

  insertRows(table: string, rows: Row[]): Promise<InsertRowsReply> {
    return this.client.request('POST', `${this.base}/tables/${encodeURIComponent(table)}/rows`, { body: { rows } });
  }
}
