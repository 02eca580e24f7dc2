import type {
  ApplySchemaReply,
  BulkReply,
  CapabilitiesReply,
  ImportReply,
  ListRecordsReply,
  PutWebhookBody,
  PutWebhookReply,
  RemoveResourceReply,
  ResourceListReply,
  ResourceRecord,
  SchemaReply,
  WebhookListReply,
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
import type { AuditPage, AuditQuery, ChangeEventBody, EventPage, RevertReply } from '@dbforge/contracts';
import type {
  ApiKey,
  CreateKeyBody,
  CreateTenantBody,
  CreateUserBody,
  DbSession,
  DbUser,
  Member,
  PlatformUser,
  PutMemberBody,
  TenantReply,
  TokensReply,
  UpdateTenantBody,
  WhoAmI,
} from '@dbforge/contracts';
import { DbForgeApiError } from './errors.js';
import { readEventStream, streamQuery, type SseMessage, type StreamOptions } from './realtime.js';

export interface DbForgeClientOptions {
  /** The gateway, such as `http://localhost:8000`. */
  baseUrl: string;
  /** Sent as `X-API-Key`. */
  apiKey?: string | undefined;
  /** Sent as `Authorization: Bearer` when there is no API key: a platform access token, or a database user's token. */
  accessToken?: string | undefined;
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
    return new DbForgeClient({ ...this.options, apiKey, accessToken: undefined });
  }

  /** The same client signed in with a bearer token (a platform access token or a database user's token) and no key. */
  withAccessToken(accessToken: string | undefined): DbForgeClient {
    return new DbForgeClient({ ...this.options, apiKey: undefined, accessToken });
  }

  /** Adds the client's credential to headers that carry none. */
  private credentials(headers: Record<string, string>): Record<string, string> {
    const has = (name: string) => Object.keys(headers).some((key) => key.toLowerCase() === name);
    if (has('x-api-key') || has('authorization')) return headers;
    if (this.options.apiKey !== undefined) headers['x-api-key'] = this.options.apiKey;
    else if (this.options.accessToken !== undefined) headers.authorization = `Bearer ${this.options.accessToken}`;
    return headers;
  }

  /** Any call, answered as it came: status, headers and the parsed body. Never throws for an HTTP error status. */
  async raw<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<RawReply<T>> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers = this.credentials({ accept: 'application/json', ...this.options.headers, ...options.headers });
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

  /** The platform's audit log, newest first (`next_cursor` pages back). */
  audit(query: Partial<AuditQuery> = {}): Promise<AuditPage> {
    return this.request('GET', '/admin/audit', { query: query as Record<string, string | number | undefined> });
  }

  /** The gateway's base URL and key, for connections the SDK does not make itself (WebSockets). */
  get connection(): { baseUrl: string; apiKey: string | undefined } {
    return { baseUrl: this.baseUrl, apiKey: this.options.apiKey };
  }

  /** A streaming call: the raw Response (for Server-Sent Events). Throws DbForgeApiError for an error status. */
  async stream(path: string, query: URLSearchParams, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    const url = `${this.baseUrl}${path}${query.size > 0 ? `?${query.toString()}` : ''}`;
    const all = this.credentials({ accept: 'text/event-stream', ...this.options.headers, ...headers });
    const response = await this.fetchImpl(url, { headers: all, ...(signal ? { signal } : {}) });
    if (response.status >= 400) {
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      throw DbForgeApiError.fromReply(response.status, body, response.headers.get('x-request-id') ?? undefined);
    }
    return response;
  }

  gatewayStats(): Promise<GatewayStats> {
    return this.request('GET', '/admin/gateway/stats');
  }

  /** A call whose bodies are bytes (file uploads and downloads). Never throws for an HTTP error status. */
  async binary(
    method: string,
    path: string,
    options: { body?: Uint8Array | undefined; headers?: Record<string, string>; query?: Record<string, string | undefined> } = {},
  ): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const headers = this.credentials({ ...this.options.headers, ...options.headers });
    const response = await this.fetchImpl(url, { method, headers, ...(options.body ? { body: options.body as unknown as BodyInit } : {}) });
    return { status: response.status, headers: response.headers, bytes: new Uint8Array(await response.arrayBuffer()) };
  }

  /* ---------------------------------------------------------------- platform sign-in */

  /** Signs in with email and password: an access token and a refresh token (see withAccessToken). */
  login(email: string, password: string): Promise<TokensReply> {
    return this.request('POST', '/auth/login', { body: { email, password } });
  }

  /** A new pair of tokens for a refresh token; each refresh token works once. */
  refreshTokens(refreshToken: string): Promise<TokensReply> {
    return this.request('POST', '/auth/refresh', { body: { refresh_token: refreshToken } });
  }

  async logout(refreshToken: string): Promise<void> {
    await this.request('POST', '/auth/logout', { body: { refresh_token: refreshToken } });
  }

  whoAmI(): Promise<WhoAmI> {
    return this.request('GET', '/auth/me');
  }

  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await this.request('POST', '/auth/password', { body: { current_password: currentPassword, new_password: newPassword } });
  }

  /* ---------------------------------------------------------------- tenants, members, keys */

  createTenant(tenant: CreateTenantBody): Promise<TenantReply> {
    return this.request('POST', '/admin/tenants', { body: tenant });
  }

  listTenants(): Promise<TenantReply[]> {
    return this.request('GET', '/admin/tenants');
  }

  getTenant(tenant: string): Promise<TenantReply> {
    return this.request('GET', `/admin/tenants/${encodeURIComponent(tenant)}`);
  }

  updateTenant(tenant: string, changes: UpdateTenantBody): Promise<TenantReply> {
    return this.request('PATCH', `/admin/tenants/${encodeURIComponent(tenant)}`, { body: changes });
  }

  async deleteTenant(tenant: string): Promise<void> {
    await this.request('DELETE', `/admin/tenants/${encodeURIComponent(tenant)}`);
  }

  listMembers(tenant: string): Promise<Member[]> {
    return this.request('GET', `/admin/tenants/${encodeURIComponent(tenant)}/members`);
  }

  /** Adds a member (creating the account when a password is given and none exists) or changes their role. */
  putMember(tenant: string, member: PutMemberBody): Promise<Member> {
    return this.request('PUT', `/admin/tenants/${encodeURIComponent(tenant)}/members`, { body: member });
  }

  async removeMember(tenant: string, userId: string): Promise<void> {
    await this.request('DELETE', `/admin/tenants/${encodeURIComponent(tenant)}/members/${encodeURIComponent(userId)}`);
  }

  listKeys(tenant: string): Promise<ApiKey[]> {
    return this.request('GET', `/admin/tenants/${encodeURIComponent(tenant)}/keys`);
  }

  /** Creates an API key; `secret` is the key itself, answered only now. */
  createKey(tenant: string, key: CreateKeyBody): Promise<{ key: ApiKey; secret: string }> {
    return this.request('POST', `/admin/tenants/${encodeURIComponent(tenant)}/keys`, { body: key });
  }

  /** Revokes a key at once; answers the key with its `revoked_at`. */
  revokeKey(tenant: string, keyId: string): Promise<ApiKey> {
    return this.request('DELETE', `/admin/tenants/${encodeURIComponent(tenant)}/keys/${encodeURIComponent(keyId)}`);
  }

  /** Creates a platform user (platform admin only). */
  createUser(user: CreateUserBody): Promise<PlatformUser> {
    return this.request('POST', '/admin/users', { body: user });
  }

  /* ---------------------------------------------------------------- webhooks */

  /** Sets the webhook of a hook; answers the generated secret once when none was given. */
  async putWebhook(name: string, hook: string, webhook: PutWebhookBody): Promise<PutWebhookReply & { created: boolean }> {
    const reply = await this.raw<PutWebhookReply>('PUT', `/admin/databases/${encodeURIComponent(name)}/webhooks/${encodeURIComponent(hook)}`, { body: webhook });
    if (reply.status >= 400) throw DbForgeApiError.fromReply(reply.status, reply.body, reply.headers.get('x-request-id') ?? undefined);
    return { ...reply.body, created: reply.status === 201 };
  }

  listWebhooks(name: string): Promise<WebhookListReply> {
    return this.request('GET', `/admin/databases/${encodeURIComponent(name)}/webhooks`);
  }

  deleteWebhook(name: string, hook: string): Promise<MessageReply> {
    return this.request('DELETE', `/admin/databases/${encodeURIComponent(name)}/webhooks/${encodeURIComponent(hook)}`);
  }

  /** The JSON Schema of resource configs (public). */
  resourceFormatSchema(): Promise<Record<string, unknown>> {
    return this.request('GET', '/schemas/resource.json');
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

  /* ---------------------------------------------------------------- resources */

  /** Applies a YAML resource config (one resource per document); with `dryRun` answers the plan only. */
  applySchema(yaml: string, options: { dryRun?: boolean; allowDestructive?: boolean } = {}): Promise<ApplySchemaReply> {
    return this.client.request('PUT', `${this.base}/schema`, {
      rawBody: yaml,
      headers: { 'content-type': 'application/yaml' },
      query: { dry_run: options.dryRun || undefined, allow_destructive: options.allowDestructive || undefined },
    });
  }

  getSchema(): Promise<SchemaReply> {
    return this.client.request('GET', `${this.base}/schema`);
  }

  getResourceSchema(resource: string): Promise<SchemaReply['resources'][number]> {
    return this.client.request('GET', `${this.base}/schema/${encodeURIComponent(resource)}`);
  }

  /** Removes a resource with all its records (destructive). */
  removeResource(resource: string): Promise<RemoveResourceReply> {
    return this.client.request('DELETE', `${this.base}/schema/${encodeURIComponent(resource)}`);
  }

  capabilities(): Promise<CapabilitiesReply> {
    return this.client.request('GET', `${this.base}/capabilities`);
  }

  /* The database's own users (the end users of the app it serves). Use the session's token with
     `client.withAccessToken(session.access_token).db(name)`: it works on this database only. */

  signUp(email: string, password: string): Promise<DbSession> {
    return this.client.request('POST', `${this.base}/auth/signup`, { body: { email, password } });
  }

  signIn(email: string, password: string): Promise<DbSession> {
    return this.client.request('POST', `${this.base}/auth/login`, { body: { email, password } });
  }

  /** Revokes the token this client sends. */
  async signOut(): Promise<void> {
    await this.client.request('POST', `${this.base}/auth/logout`);
  }

  me(): Promise<DbUser> {
    return this.client.request('GET', `${this.base}/auth/me`);
  }

  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await this.client.request('POST', `${this.base}/auth/password`, { body: { current_password: currentPassword, new_password: newPassword } });
  }

  async listUsers(): Promise<DbUser[]> {
    return (await this.client.request<{ data: DbUser[] }>('GET', `${this.base}/auth/users`)).data;
  }

  setUserRoles(userId: string, roles: string[]): Promise<DbUser> {
    return this.client.request('PATCH', `${this.base}/auth/users/${encodeURIComponent(userId)}`, { body: { roles } });
  }

  async deleteUser(userId: string): Promise<void> {
    await this.client.request('DELETE', `${this.base}/auth/users/${encodeURIComponent(userId)}`);
  }

  /** The generated OpenAPI document of the database's resources. */
  openapi(): Promise<Record<string, unknown>> {
    return this.client.request('GET', `${this.base}/openapi.json`);
  }

  listResources(): Promise<ResourceListReply> {
    return this.client.request('GET', `${this.base}/resources`);
  }

  /* ---------------------------------------------------------------- events */

  /** The event log, oldest first: filter by resource (or table), record and time; `next_cursor` pages on. */
  events(query: { resource?: string; record?: string | number; since?: string; until?: string; limit?: number; cursor?: string } = {}): Promise<EventPage> {
    return this.client.request('GET', `${this.base}/events`, { query: query as Record<string, string | number | undefined> });
  }

  /** Applies the inverse of an event as a new event; 409 names newer events unless `force`. */
  revertEvent(id: number, options: { force?: boolean } = {}): Promise<RevertReply> {
    return this.client.request('POST', `${this.base}/events/${id}/revert`, { query: { force: options.force || undefined } });
  }

  /**
   * The Server-Sent Events stream of changes: yields each event as it commits. Pass `lastEventId` to resume (sent as
   * Last-Event-ID); stop with `signal`. A `SLOW_CONSUMER` error message from the server ends the stream.
   */
  async *streamEvents(options: StreamOptions = {}, signal?: AbortSignal): AsyncGenerator<ChangeEventBody | { error: Record<string, unknown> }> {
    const headers: Record<string, string> = options.lastEventId === undefined ? {} : { 'last-event-id': String(options.lastEventId) };
    const response = await this.client.stream(`${this.base}/events/stream`, streamQuery(options), headers, signal);
    for await (const message of readEventStream(response) as AsyncGenerator<SseMessage>) {
      if (message.event === 'change') yield JSON.parse(message.data) as ChangeEventBody;
      else if (message.event === 'error') yield { error: JSON.parse(message.data) as Record<string, unknown> };
    }
  }

  /** The WebSocket URL of the database's realtime feed (with the subscriptions of `options` in the query). */
  realtimeUrl(options: StreamOptions = {}): string {
    const query = streamQuery(options);
    if (options.lastEventId !== undefined) query.set('last_event_id', String(options.lastEventId));
    const base = this.client.connection.baseUrl.replace(/^http/, 'ws');
    return `${base}${this.base}/realtime${query.size > 0 ? `?${query.toString()}` : ''}`;
  }

  /** The REST API of one resource. */
  resource<R extends ResourceRecord = ResourceRecord>(name: string): ResourceClient<R> {
    return new ResourceClient<R>(this.client, `${this.base}/resources/${encodeURIComponent(name)}`);
  }
}

export type ListQuery = Record<string, string | number | boolean | undefined>;

/** Records of one resource: `list` takes filters (`{status: 'open', 'price[gt]': 10}`), `q`, `sort`, `limit`, `cursor`, `count`. */
export class ResourceClient<R extends ResourceRecord = ResourceRecord> {
  constructor(
    private readonly client: DbForgeClient,
    private readonly base: string,
  ) {}

  list(query: ListQuery = {}): Promise<ListRecordsReply & { data: R[] }> {
    return this.client.request('GET', this.base, { query });
  }

  get(id: string | number, options: { asOf?: string } = {}): Promise<R> {
    return this.client.request('GET', `${this.base}/${encodeURIComponent(String(id))}`, { query: { as_of: options.asOf } });
  }

  /** The record's history: its events, oldest first. */
  history(id: string | number, query: { limit?: number; cursor?: string } = {}): Promise<EventPage> {
    return this.client.request('GET', `${this.base}/${encodeURIComponent(String(id))}/history`, { query });
  }

  create(record: Partial<R> | ResourceRecord): Promise<R> {
    return this.client.request('POST', this.base, { body: record });
  }

  /** Changes the fields given. */
  update(id: string | number, changes: Partial<R> | ResourceRecord): Promise<R> {
    return this.client.request('PATCH', `${this.base}/${encodeURIComponent(String(id))}`, { body: changes });
  }

  /** Replaces the record: fields left out go back to their default. */
  replace(id: string | number, record: Partial<R> | ResourceRecord): Promise<R> {
    return this.client.request('PUT', `${this.base}/${encodeURIComponent(String(id))}`, { body: record });
  }

  async delete(id: string | number): Promise<void> {
    await this.client.request('DELETE', `${this.base}/${encodeURIComponent(String(id))}`);
  }

  bulkCreate(records: ResourceRecord[]): Promise<BulkReply & { data: R[] }> {
    return this.client.request('POST', `${this.base}/bulk`, { body: { records } });
  }

  /** Every matching record: CSV text, or the records for JSON. */
  async export(format: 'csv' | 'json', query: ListQuery = {}): Promise<string | R[]> {
    return this.client.request('GET', `${this.base}/export`, { query: { ...query, format } });
  }

  /** Imports CSV text, or a list of records: all checked, all or nothing. */
  import(data: string | ResourceRecord[]): Promise<ImportReply> {
    return typeof data === 'string'
      ? this.client.request('POST', `${this.base}/import`, { rawBody: data, headers: { 'content-type': 'text/csv' } })
      : this.client.request('POST', `${this.base}/import`, { body: data });
  }

  async uploadFile(id: string | number, field: string, data: Uint8Array, options: { contentType: string; filename?: string }): Promise<R> {
    const reply = await this.client.binary('PUT', `${this.base}/${encodeURIComponent(String(id))}/files/${encodeURIComponent(field)}`, {
      body: data,
      headers: { 'content-type': options.contentType },
      query: { filename: options.filename },
    });
    const text = new TextDecoder().decode(reply.bytes);
    const body = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
    if (reply.status >= 400) throw DbForgeApiError.fromReply(reply.status, body, reply.headers.get('x-request-id') ?? undefined);
    return body as R;
  }

  async downloadFile(id: string | number, field: string): Promise<{ bytes: Uint8Array; contentType: string | null; disposition: string | null }> {
    const reply = await this.client.binary('GET', `${this.base}/${encodeURIComponent(String(id))}/files/${encodeURIComponent(field)}`);
    if (reply.status >= 400) {
      const text = new TextDecoder().decode(reply.bytes);
      throw DbForgeApiError.fromReply(reply.status, text ? (JSON.parse(text) as unknown) : undefined, reply.headers.get('x-request-id') ?? undefined);
    }
    return { bytes: reply.bytes, contentType: reply.headers.get('content-type'), disposition: reply.headers.get('content-disposition') };
  }

  deleteFile(id: string | number, field: string): Promise<R> {
    return this.client.request('DELETE', `${this.base}/${encodeURIComponent(String(id))}/files/${encodeURIComponent(field)}`);
  }
}
