import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  BulkBodySchema,
  DatabaseParamsSchema,
  DbForgeError,
  FileParamsSchema,
  RecordParamsSchema,
  ResourceListReplySchema,
  ResourceParamsSchema,
  withErrors,
} from '@dbforge/contracts';
import type { RecordOperation } from '@dbforge/server-kit';
import type { RequestContext, ResourceEngine, WriteResult } from '@dbforge/engine';
import { actorOf, requestContext, withHooks } from '../request-context.js';

const WRITE_ERRORS = [400, 401, 403, 404, 409, 422];
const ListQuerySchema = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]), {
  description: 'Filters (`field=value`, `field[gt]=`, ...), `q`, `sort`, `limit`, `offset`, `cursor`, `count`.',
});

/** What a record operation gets, over HTTP or the gateway's channel. */
export interface RecordCall {
  resource: string;
  /** The record's id (all but create). */
  id: string;
  body: unknown;
  context: RequestContext;
}

/**
 * A resource's point operations on records: what each runs and the status it answers. The HTTP routes below and the
 * gateway's channel (`channel.ts`) both run them from here, so both answer alike.
 */
export const RECORD_OPERATIONS: Record<RecordOperation, { status: 200 | 201 | 204; run(engine: ResourceEngine, call: RecordCall): Promise<WriteResult<unknown>> }> = {
  create: { status: 201, run: (engine, call) => engine.create(call.resource, call.body ?? {}, call.context) },
  read: { status: 200, run: async (engine, call) => ({ value: await engine.getRecord(call.resource, call.id, call.context.actor), outboxed: 0 }) },
  update: { status: 200, run: (engine, call) => engine.update(call.resource, call.id, call.body ?? {}, true, call.context) },
  replace: { status: 200, run: (engine, call) => engine.update(call.resource, call.id, call.body ?? {}, false, call.context) },
  delete: { status: 204, run: (engine, call) => engine.remove(call.resource, call.id, call.context) },
};

function json(reply: FastifyReply, status: number, payload: unknown): FastifyReply {
  return reply.code(status).type('application/json').send(JSON.stringify(payload));
}

/** An attachment's name, safe in a header (RFC 6266: ASCII fallback plus the UTF-8 name). */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * The REST API of the resources: list, create, read, update, replace, delete, bulk, import and export, and file
 * fields. Route handlers parse HTTP and shape replies; validation, rules, hooks and security live in the engine.
 */
export const resourceRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const engine = fastify.resources;
  const tags = ['resources'];
  const recordRoute =
    (op: RecordOperation) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const { status, run } = RECORD_OPERATIONS[op];
      const params = request.params as { resource: string; id?: string };
      const call = { resource: params.resource, id: params.id ?? '', body: request.body, context: requestContext(request) };
      return withHooks(reply, () => run(engine, call), (value) => (status === 204 ? reply.code(204).send() : json(reply, status, value)));
    };

  app.get(
    '/api/db/:name/resources',
    { schema: { tags, summary: 'The resources of the database', operationId: 'listResources', params: DatabaseParamsSchema, response: withErrors({ 200: ResourceListReplySchema }, [401, 404]) } },
    async (request) => ({
      resources: engine.resourceNames().map((name) => ({
        name,
        version: engine.versionOf(name),
        url: `/api/db/${request.params.name}/resources/${name}`,
      })),
    }),
  );

  app.get(
    '/api/db/:name/resources/:resource',
    { schema: { tags, summary: 'List records with filters, search, sort and pages', operationId: 'listRecords', params: ResourceParamsSchema, querystring: ListQuerySchema } },
    async (request, reply) => json(reply, 200, await engine.list(request.params.resource, request.query as Record<string, unknown>, actorOf(request))),
  );

  app.post(
    '/api/db/:name/resources/:resource',
    { schema: { tags, summary: 'Create a record', operationId: 'createRecord', params: ResourceParamsSchema, response: withErrors({}, WRITE_ERRORS) } },
    recordRoute('create'),
  );

  app.post(
    '/api/db/:name/resources/:resource/bulk',
    { schema: { tags, summary: 'Create many records in one transaction: all or none', operationId: 'bulkCreateRecords', params: ResourceParamsSchema, body: BulkBodySchema } },
    async (request, reply) =>
      withHooks(
        reply,
        () => engine.createMany(request.params.resource, request.body.records, requestContext(request), { where: (i) => `body.records[${i}]` }),
        (records) => json(reply, 201, { data: records, count: records.length }),
      ),
  );

  app.get(
    '/api/db/:name/resources/:resource/export',
    {
      schema: {
        tags,
        summary: 'Every matching record as CSV or JSON (filters and sort as for the list)',
        operationId: 'exportRecords',
        params: ResourceParamsSchema,
        querystring: ListQuerySchema,
      },
    },
    async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const format = query.format === undefined ? 'json' : String(query.format);
      if (format !== 'csv' && format !== 'json') throw new DbForgeError('VALIDATION_ERROR', 'Invalid request: querystring.format must be csv or json.', { details: [{ field: 'querystring.format', message: 'must be csv or json' }] });
      const body = await engine.exportRecords(request.params.resource, query, format);
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json')
        .header('content-disposition', contentDisposition(`${request.params.resource}.${format}`))
        .send(body);
    },
  );

  // Imports take CSV as text and JSON as parsed by the JSON parser.
  await app.register(async (scope) => {
    scope.addContentTypeParser(/^text\/csv$/, { parseAs: 'string' }, (_request, body, done) => done(null, body));
    scope.withTypeProvider<TypeBoxTypeProvider>().post(
      '/api/db/:name/resources/:resource/import',
      {
        schema: {
          tags,
          summary: 'Import records from CSV (text/csv) or JSON (a list, or {"records": [...]}): all checked, all or nothing',
          operationId: 'importRecords',
          params: ResourceParamsSchema,
        },
      },
      async (request, reply) => {
        const body = request.body;
        const input =
          typeof body === 'string'
            ? { csv: body }
            : Array.isArray(body)
              ? { rows: body as unknown[] }
              : body !== null && typeof body === 'object' && Array.isArray((body as { records?: unknown }).records)
                ? { rows: (body as { records: unknown[] }).records }
                : undefined;
        if (input === undefined) throw new DbForgeError('BAD_REQUEST', 'Send CSV (Content-Type: text/csv) or a JSON list of records.');
        return withHooks(
          reply,
          () => engine.importRecords(request.params.resource, input, requestContext(request, typeof body === 'string' ? body : body)),
          (result) => json(reply, 201, { message: `Imported ${result.imported} record(s).`, ...result }),
        );
      },
    );
  });

  app.get(
    '/api/db/:name/resources/:resource/:id',
    {
      schema: {
        tags,
        summary: 'One record; with `as_of` (ISO 8601), the record as it was then, from its history',
        operationId: 'getRecord',
        params: RecordParamsSchema,
      },
    },
    async (request, reply) => {
      const asOf = (request.query as { as_of?: unknown }).as_of;
      if (asOf === undefined) return recordRoute('read')(request, reply);
      const time = typeof asOf === 'string' ? Date.parse(asOf) : Number.NaN;
      if (Number.isNaN(time)) throw new DbForgeError('VALIDATION_ERROR', 'Invalid request: querystring.as_of must be an ISO 8601 date or date-time.', { details: [{ field: 'querystring.as_of', message: 'must be an ISO 8601 date or date-time' }] });
      return json(reply, 200, await engine.recordAt(request.params.resource, request.params.id, new Date(time).toISOString()));
    },
  );

  app.patch(
    '/api/db/:name/resources/:resource/:id',
    { schema: { tags, summary: 'Change some fields of a record', operationId: 'updateRecord', params: RecordParamsSchema, response: withErrors({}, WRITE_ERRORS) } },
    recordRoute('update'),
  );

  app.put(
    '/api/db/:name/resources/:resource/:id',
    { schema: { tags, summary: 'Replace a record: fields left out go back to their default', operationId: 'replaceRecord', params: RecordParamsSchema, response: withErrors({}, WRITE_ERRORS) } },
    recordRoute('replace'),
  );

  app.delete(
    '/api/db/:name/resources/:resource/:id',
    { schema: { tags, summary: 'Delete a record (references to it follow their on_delete)', operationId: 'deleteRecord', params: RecordParamsSchema, response: withErrors({}, WRITE_ERRORS) } },
    recordRoute('delete'),
  );

  // File fields: the body is the file itself, streamed to disk and checked against `accept` and `max_size`.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const files = scope.withTypeProvider<TypeBoxTypeProvider>();
    files.put(
      '/api/db/:name/resources/:resource/:id/files/:field',
      {
        schema: {
          tags,
          summary: 'Upload the file of a file field (the body is the file)',
          operationId: 'uploadFile',
          params: FileParamsSchema,
          querystring: Type.Object({ filename: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }),
        },
      },
      async (request, reply) => {
        await engine.authorize(request.params.resource, request.params.id, 'update', actorOf(request), request.params.field);
        return withHooks(
          reply,
          () =>
            engine.uploadFile(
              request.params.resource,
              request.params.id,
              request.params.field,
              request.raw,
              { contentType: request.headers['content-type'] ?? 'application/octet-stream', filename: request.query.filename },
              requestContext(request, null),
            ),
          (record) => json(reply, 200, record),
        );
      },
    );
  });

  app.get(
    '/api/db/:name/resources/:resource/:id/files/:field',
    { schema: { tags, summary: 'Download the file of a file field', operationId: 'downloadFile', params: FileParamsSchema } },
    async (request, reply) => {
      await engine.authorize(request.params.resource, request.params.id, 'read', actorOf(request), request.params.field);
      const { meta, stream } = await engine.downloadFile(request.params.resource, request.params.id, request.params.field);
      return reply
        .type(meta.content_type)
        .header('content-length', meta.size)
        .header('content-disposition', contentDisposition(meta.name))
        .header('x-content-type-options', 'nosniff')
        .send(stream);
    },
  );

  app.delete(
    '/api/db/:name/resources/:resource/:id/files/:field',
    { schema: { tags, summary: 'Remove the file of a file field', operationId: 'deleteFile', params: FileParamsSchema } },
    async (request, reply) =>
      engine
        .authorize(request.params.resource, request.params.id, 'update', actorOf(request), request.params.field)
        .then(() => withHooks(reply, () => engine.deleteFile(request.params.resource, request.params.id, request.params.field, requestContext(request, null)), (record) => json(reply, 200, record))),
  );
};
