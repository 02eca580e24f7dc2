import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import {
  BatchBodySchema,
  BatchReplySchema,
  CreateTableBodySchema,
  DatabaseParamsSchema,
  InsertRowsBodySchema,
  InsertRowsReplySchema,
  MessageReplySchema,
  QueryBodySchema,
  QueryExecReplySchema,
  QueryRowsReplySchema,
  SelectRowsQuerySchema,
  SelectRowsReplySchema,
  TableDetailSchema,
  TableListReplySchema,
  TableParamsSchema,
  DbChangePasswordBodySchema,
  Errors,
  DbCredentialsSchema,
  DbSessionSchema,
  DbUserListSchema,
  DbUserParamsSchema,
  DbUserSchema,
  SetDbUserRolesBodySchema,
  withErrors,
} from '@dbforge/contracts';
import { validatorCompiler } from '@dbforge/server-kit';
import { isEndUserRoute } from '../plugins/auth.js';

const COMMON = [400, 401, 404, 413, 415, 422, 503, 504];

interface DataRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  tag?: string;
  /** Callable without a platform credential: by the database's own end users, or anonymously. */
  endUser?: boolean;
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  params: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  response: Record<number, TSchema>;
}

const ROUTES: DataRoute[] = [
  {
    method: 'POST',
    url: '/api/db/:name/query',
    operationId: 'runQuery',
    summary: 'Run one SQL statement',
    description:
      'A statement that returns rows (decided by the engine: SELECT, WITH, PRAGMA, RETURNING, ...) answers ' +
      '`data`, `columns`, `rows_affected` (the row count), `duration_ms` and `truncated`. Any other statement answers ' +
      '`message`, `rows_affected`, `last_insert_rowid` and `duration_ms`. A SQL error answers 400 with a message ' +
      'that starts with `SQL Error: `. ATTACH, DETACH and extension loading are refused (403).',
    params: DatabaseParamsSchema,
    body: QueryBodySchema,
    response: withErrors({ 200: { anyOf: [QueryRowsReplySchema, QueryExecReplySchema] } as unknown as TSchema }, [...COMMON, 403]),
  },
  {
    method: 'POST',
    url: '/api/db/:name/batch',
    operationId: 'runBatch',
    summary: 'Run several statements in one transaction: all or nothing',
    description: 'On failure nothing is applied and the error names the failing statement (`details.statement_index`).',
    params: DatabaseParamsSchema,
    body: BatchBodySchema,
    response: withErrors({ 200: BatchReplySchema }, [...COMMON, 403]),
  },
  {
    method: 'GET',
    url: '/api/db/:name/tables',
    operationId: 'listTables',
    summary: 'Tables and views with their columns',
    params: DatabaseParamsSchema,
    response: withErrors({ 200: TableListReplySchema }, COMMON),
  },
  {
    method: 'POST',
    url: '/api/db/:name/tables',
    operationId: 'createTable',
    summary: 'Create a table from a list of columns',
    description:
      'Identifiers are checked and quoted; types come from a known list; defaults are rendered as quoted literals ' +
      'or CURRENT_TIMESTAMP, CURRENT_DATE, CURRENT_TIME, NULL.',
    params: DatabaseParamsSchema,
    body: CreateTableBodySchema,
    response: withErrors({ 201: MessageReplySchema }, [...COMMON, 409]),
  },
  {
    method: 'GET',
    url: '/api/db/:name/tables/:table',
    operationId: 'describeTable',
    summary: 'Columns, indexes, foreign keys and row count of a table',
    params: TableParamsSchema,
    response: withErrors({ 200: TableDetailSchema }, COMMON),
  },
  {
    method: 'GET',
    url: '/api/db/:name/tables/:table/rows',
    operationId: 'selectRows',
    summary: 'Rows of a table, filtered by column equality',
    description: 'Every query parameter other than `limit` and `offset` is a filter `column=value`; an unknown column is a 400.',
    params: TableParamsSchema,
    querystring: SelectRowsQuerySchema,
    response: withErrors({ 200: SelectRowsReplySchema }, COMMON),
  },
  {
    method: 'POST',
    url: '/api/db/:name/tables/:table/rows',
    operationId: 'insertRows',
    summary: 'Insert rows (objects with the same keys) in one transaction',
    params: TableParamsSchema,
    body: InsertRowsBodySchema,
    response: withErrors({ 201: InsertRowsReplySchema }, COMMON),
  },
  /* A database's own users: the end users of the app it serves. Their tokens work on this database only. */
  {
    method: 'POST',
    url: '/api/db/:name/auth/signup',
    tag: 'database users',
    endUser: true,
    operationId: 'signUpDatabaseUser',
    summary: "Create an account among the database's own users and sign in",
    description: 'Passwords need at least 10 characters. Answers a `dbu_` token that works on this database only.',
    params: DatabaseParamsSchema,
    body: DbCredentialsSchema,
    response: withErrors({ 201: DbSessionSchema }, [...COMMON, 409]),
  },
  {
    method: 'POST',
    url: '/api/db/:name/auth/login',
    tag: 'database users',
    endUser: true,
    operationId: 'signInDatabaseUser',
    summary: "Sign in as one of the database's users",
    description:
      'A wrong password and an unknown email answer the same 401. Repeated failures slow down and then lock sign-in ' +
      'for the account and the address (429 with Retry-After).',
    params: DatabaseParamsSchema,
    body: DbCredentialsSchema,
    response: withErrors({ 200: DbSessionSchema }, [...COMMON, 429]),
  },
  {
    method: 'POST',
    url: '/api/db/:name/auth/logout',
    tag: 'database users',
    endUser: true,
    operationId: 'signOutDatabaseUser',
    summary: 'Revoke the token sent as `Authorization: Bearer`',
    params: DatabaseParamsSchema,
    response: withErrors({ 204: Type.Null() }, COMMON),
  },
  {
    method: 'GET',
    url: '/api/db/:name/auth/me',
    tag: 'database users',
    endUser: true,
    operationId: 'databaseUserMe',
    summary: 'The signed-in database user',
    params: DatabaseParamsSchema,
    response: withErrors({ 200: DbUserSchema }, COMMON),
  },
  {
    method: 'POST',
    url: '/api/db/:name/auth/password',
    tag: 'database users',
    endUser: true,
    operationId: 'changeDatabaseUserPassword',
    summary: "Change the signed-in database user's password (signs out their other sessions)",
    params: DatabaseParamsSchema,
    body: DbChangePasswordBodySchema,
    response: withErrors({ 204: Type.Null() }, COMMON),
  },
  {
    method: 'GET',
    url: '/api/db/:name/auth/users',
    tag: 'database users',
    operationId: 'listDatabaseUsers',
    summary: "The database's users (platform callers)",
    params: DatabaseParamsSchema,
    response: withErrors({ 200: DbUserListSchema }, [...COMMON, 403]),
  },
  {
    method: 'PATCH',
    url: '/api/db/:name/auth/users/:user',
    tag: 'database users',
    operationId: 'setDatabaseUserRoles',
    summary: "Set a database user's roles (platform callers)",
    params: DbUserParamsSchema,
    body: SetDbUserRolesBodySchema,
    response: withErrors({ 200: DbUserSchema }, [...COMMON, 403]),
  },
  {
    method: 'DELETE',
    url: '/api/db/:name/auth/users/:user',
    tag: 'database users',
    operationId: 'deleteDatabaseUser',
    summary: "Delete a database user and their sessions (platform callers)",
    params: DbUserParamsSchema,
    response: withErrors({ 204: Type.Null() }, [...COMMON, 403]),
  },
];

/**
 * The data API. The gateway checks the caller, the name and that the database exists, then streams the request to the
 * database's worker, which validates the body and answers. The schemas here document the API (and validate the path
 * and query string); bodies are validated once, by the worker.
 */
export const dataRoutes: FastifyPluginAsync = async (app) => {
  // Bodies stay unread streams, to be piped to the worker as they arrive.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  app.setValidatorCompiler((route) => (route.httpPart === 'body' ? () => true : validatorCompiler(route)));

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const name = (request.params as { name: string }).name;
    if (request.identity === null) {
      // A database's own end user (or anonymous) on its resources or auth routes (the auth hook lets no one else
      // through without an identity): the worker decides.
      if (!isEndUserRoute(request)) throw Errors.missingApiKey();
      app.databases.require(name);
      return app.forwarder.forward(request, reply, name, undefined);
    }
    // Reads need read; /query and /batch too (a caller that may not write gets a read-only actor, and the engine
    // refuses any statement that would write); everything else changes the database.
    const route = request.routeOptions.url;
    const reads = request.method === 'GET' || request.method === 'HEAD' || route === '/api/db/:name/query' || route === '/api/db/:name/batch';
    const { capabilities } = app.access.database(request, name, reads ? 'read' : 'write');
    return app.forwarder.forward(request, reply, name, app.access.actor(request, capabilities));
  };

  // Every other path under a database goes to its worker too, so that the worker's own routes (resources, schema,
  // events, ...) are reachable without a gateway change. The worker answers 404 for a path it does not know.
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/api/db/:name/*',
    schema: { hide: true, params: Type.Object({ name: DatabaseParamsSchema.properties.name, '*': Type.String() }) },
    handler,
  });

  for (const route of ROUTES) {
    app.route({
      method: route.method,
      url: route.url,
      schema: {
        tags: [route.tag ?? 'data'],
        ...(route.endUser ? { security: [{}, { apiKey: [] }, { bearer: [] }] } : {}),
        summary: route.summary,
        ...(route.description ? { description: route.description } : {}),
        operationId: route.operationId,
        params: route.params,
        ...(route.querystring ? { querystring: route.querystring } : {}),
        ...(route.body ? { body: route.body } : {}),
        response: route.response,
      },
      handler,
    });
  }
};
