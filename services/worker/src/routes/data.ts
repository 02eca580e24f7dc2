import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  BatchBodyWireSchema,
  CreateTableBodySchema,
  DatabaseParamsSchema,
  DbForgeError,
  InsertRowsBodySchema,
  QueryBodySchema,
  SelectRowsQuerySchema,
  TableParamsSchema,
  type BatchBody,
  type BatchReply,
  type InsertRowsReply,
  type QueryBody,
  type QueryExecReply,
  type QueryRowsReply,
  type MessageReply,
  type SelectRowsReply,
  type TableListReply,
} from '@dbforge/contracts';
import type { Actor, ChangeContext, DatabaseAdapter } from '@dbforge/engine';
import { batchStatementResult, elapsedMs, queryReply } from '../replies.js';
import { actorOf, changeContext } from '../request-context.js';

export interface DataRoutesOptions {
  adapter: DatabaseAdapter;
}

/** Replies are serialised once with JSON.stringify: rows have no fixed shape, so a response schema would not help. */
function json(payload: unknown): string {
  return JSON.stringify(payload);
}

/** Runs one statement for an actor: the reply of POST /query (also used by the gateway's channel). */
export async function runQuery(adapter: DatabaseAdapter, body: QueryBody, actor: Actor, context: ChangeContext): Promise<QueryRowsReply | QueryExecReply> {
  const start = process.hrtime.bigint();
  const result = await adapter.execute(body.sql, body.params, { readOnly: actor.readonly, context });
  return queryReply(result, elapsedMs(start));
}

/** Runs a batch for an actor, all or nothing: the reply of POST /batch (also used by the gateway's channel). */
export async function runBatch(adapter: DatabaseAdapter, body: BatchBody, actor: Actor, context: ChangeContext): Promise<BatchReply> {
  const start = process.hrtime.bigint();
  const results = await adapter.batch(body.statements, { readOnly: actor.readonly, context });
  // One pass: a batch can hold 100,000 statements, and its reply needs one result each (MK1's shape), nothing more.
  const replies: BatchReply['results'] = new Array(results.length);
  let rowsAffected = 0;
  for (let i = 0; i < results.length; i++) {
    const result = results[i]!;
    if (result.kind === 'exec') rowsAffected += result.rowsAffected;
    replies[i] = batchStatementResult(result);
  }
  return { message: 'Batch executed successfully.', results: replies, rows_affected: rowsAffected, duration_ms: elapsedMs(start) };
}

/**
 * The data API for the one database this worker owns. Paths are the public ones, so the gateway forwards a request
 * without rewriting it; a request that names another database is answered exactly as a database that does not exist.
 */
export const dataRoutes: FastifyPluginAsync<DataRoutesOptions> = async (fastify, { adapter }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post('/api/db/:name/query', { schema: { params: DatabaseParamsSchema, body: QueryBodySchema } }, async (request, reply) => {
    const payload = await runQuery(adapter, request.body, actorOf(request), changeContext(request, 'sql'));
    return reply.type('application/json').send(json(payload));
  });

  app.post('/api/db/:name/batch', { schema: { params: DatabaseParamsSchema, body: BatchBodyWireSchema } }, async (request, reply) => {
    // Its parameter sets are checked by the engine as it binds them (BatchBodyWireSchema).
    const payload = await runBatch(adapter, request.body as BatchBody, actorOf(request), changeContext(request, 'sql'));
    return reply.type('application/json').send(json(payload));
  });

  app.get('/api/db/:name/tables', { schema: { params: DatabaseParamsSchema } }, async (_request, reply) => {
    const payload: TableListReply = { tables: await adapter.listTables() };
    return reply.type('application/json').send(json(payload));
  });

  app.post('/api/db/:name/tables', { schema: { params: DatabaseParamsSchema, body: CreateTableBodySchema } }, async (request, reply) => {
    await adapter.createTable(request.body.table_name, request.body.columns);
    const payload: MessageReply = { message: `Table '${request.body.table_name}' created successfully.` };
    return reply.code(201).type('application/json').send(json(payload));
  });

  app.get('/api/db/:name/tables/:table', { schema: { params: TableParamsSchema } }, async (request, reply) => {
    const detail = await adapter.describeTable(request.params.table);
    if (detail === undefined) throw new DbForgeError('NOT_FOUND', `Table '${request.params.table}' not found.`);
    return reply.type('application/json').send(json(detail));
  });

  app.get(
    '/api/db/:name/tables/:table/rows',
    { schema: { params: TableParamsSchema, querystring: SelectRowsQuerySchema } },
    async (request, reply) => {
      const { limit, offset, ...filters } = request.query as Record<string, unknown> & { limit?: number; offset?: number };
      const result = await adapter.selectRows(request.params.table, {
        filters: filters as Record<string, string>,
        limit,
        offset,
      });
      const payload: SelectRowsReply = { data: result.rows, rows_affected: result.rows.length, truncated: result.truncated };
      return reply.type('application/json').send(json(payload));
    },
  );

  app.post(
    '/api/db/:name/tables/:table/rows',
    { schema: { params: TableParamsSchema, body: InsertRowsBodySchema } },
    async (request, reply) => {
      const count = await adapter.insertRows(request.params.table, request.body.rows, { context: changeContext(request, 'rows') });
      const payload: InsertRowsReply = { message: 'Rows inserted successfully.', rows_affected: count };
      return reply.code(201).type('application/json').send(json(payload));
    },
  );
};
