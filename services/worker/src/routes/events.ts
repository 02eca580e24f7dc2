import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ChangeEventSchema,
  DatabaseParamsSchema,
  Errors,
  EventPageSchema,
  EventParamsSchema,
  EventsQuerySchema,
  HistoryQuerySchema,
  RecordParamsSchema,
  RevertQuerySchema,
  RevertReplySchema,
  StreamQuerySchema,
  withErrors,
} from '@dbforge/contracts';
import type { Actor, ChangeEvent } from '@dbforge/engine';
import { actorOf, bearerToken, requestContext } from '../request-context.js';
import { recheckUser, Subscriber, type Transport } from '../realtime/hub.js';
import { lastEventIdOf, specsFromQuery } from '../realtime/subscriptions.js';

function isoTime(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw Errors.validation([{ field, message: 'must be an ISO 8601 date or date-time' }]);
  return new Date(time).toISOString();
}

/**
 * The event log of the database: the events (filtered), a record's history, reverting an event, and the
 * Server-Sent Events stream of changes. Every event shown passes the read check of the caller.
 */
export const eventRoutes: FastifyPluginAsync<{ authenticate: (token: string) => Promise<Actor | undefined> }> = async (fastify, { authenticate }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const engine = fastify.resources;
  const { hub, heartbeatMs } = fastify.realtime;
  const tags = ['events'];
  app.addSchema(ChangeEventSchema);

  const visible = (events: ChangeEvent[], actor: Actor) =>
    events.map((e) => engine.eventFor(engine.presentEvent(e), actor)).filter((e): e is ChangeEvent => e !== null);

  app.get(
    '/api/db/:name/events',
    {
      schema: {
        tags,
        summary: 'The events of the database, oldest first, filtered by resource or table, record and time',
        operationId: 'listEvents',
        params: DatabaseParamsSchema,
        querystring: EventsQuerySchema,
        response: withErrors({ 200: EventPageSchema }, [400, 401, 404, 422]),
      },
    },
    async (request) => {
      const q = request.query;
      if (q.record !== undefined && q.resource === undefined) throw Errors.validation([{ field: 'querystring.record', message: 'needs resource' }]);
      const record = q.record !== undefined && q.resource !== undefined && engine.get(q.resource) ? engine.recordKey(q.resource, q.record) : q.record;
      const page = await engine.events.list({
        table: q.resource,
        record,
        since: isoTime(q.since, 'querystring.since'),
        until: isoTime(q.until, 'querystring.until'),
        afterId: q.cursor === undefined ? undefined : Number(q.cursor),
        limit: q.limit ?? 100,
      });
      return { data: visible(page.data, actorOf(request)), next_cursor: page.next_cursor };
    },
  );

  app.get(
    '/api/db/:name/resources/:resource/:id/history',
    {
      schema: {
        tags,
        summary: "A record's history: its events, oldest first",
        operationId: 'getRecordHistory',
        params: RecordParamsSchema,
        querystring: HistoryQuerySchema,
        response: withErrors({ 200: EventPageSchema }, [400, 401, 404, 422]),
      },
    },
    async (request) => {
      const { resource, id } = request.params;
      const key = engine.recordKey(resource, id);
      const page = await engine.events.list({
        table: engine.get(resource)!.table,
        record: key,
        afterId: request.query.cursor === undefined ? undefined : Number(request.query.cursor),
        limit: request.query.limit ?? 100,
      });
      return { data: visible(page.data, actorOf(request)), next_cursor: page.next_cursor };
    },
  );

  app.post(
    '/api/db/:name/events/:id/revert',
    {
      schema: {
        tags,
        summary: 'Apply the inverse of an event as a new event (undo a create, an update or a delete)',
        description: 'Answers 409 naming the newer events when the record changed after the event, unless `force=true`.',
        operationId: 'revertEvent',
        params: EventParamsSchema,
        querystring: RevertQuerySchema,
        response: withErrors({ 201: RevertReplySchema }, [400, 401, 403, 404, 409, 422]),
      },
    },
    async (request, reply) => {
      const result = await engine.revert(request.params.id, { force: request.query.force === true }, requestContext(request, null));
      return reply.code(201).send(result);
    },
  );

  app.get(
    '/api/db/:name/events/stream',
    {
      schema: {
        tags,
        summary: 'Server-Sent Events: the changes of resources, tables or records as they commit',
        description:
          'Each message is `id: <event id>`, `event: change`, `data: <event JSON>`. Reconnecting with `Last-Event-ID` (or ' +
          '`last_event_id`) resumes after that event with nothing missed or repeated. A consumer that falls too far ' +
          'behind gets `event: error` with code `SLOW_CONSUMER` and the stream ends.',
        operationId: 'streamEvents',
        params: DatabaseParamsSchema,
        querystring: StreamQuerySchema,
      },
    },
    async (request, reply) => {
      const specs = specsFromQuery(request.query);
      const lastEventId = lastEventIdOf(request.headers['last-event-id'], request.query.last_event_id);
      const actor = actorOf(request);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.socket?.setNoDelay(true);
      let open = true;
      const transport: Transport = {
        kind: 'sse',
        send: (frame) => {
          if (open) raw.write(frame);
        },
        buffered: () => raw.writableLength,
        close: (code, reason) => {
          if (!open) return;
          open = false;
          raw.end(`event: error\ndata: ${JSON.stringify({ code: code === 4008 ? 'SLOW_CONSUMER' : 'CLOSED', message: reason })}\n\n`);
        },
      };
      const subscriber = new Subscriber(transport, actor);
      for (const spec of specs) subscriber.subscriptions.set(spec.id, spec);
      raw.write(`retry: 2000\n: subscribed to ${specs.map((s) => s.table).join(', ')}\n\n`);
      // A database user's session is re-checked with each heartbeat: new roles apply, an ended session ends the stream.
      const token = actor.kind === 'user' ? bearerToken(request) : undefined;
      const heartbeat = setInterval(() => {
        transport.send(': ping\n\n');
        if (token !== undefined) void recheckUser(subscriber, token, authenticate).catch((error: unknown) => request.log.warn({ err: error }, 'checking a subscriber failed'));
      }, heartbeatMs);
      heartbeat.unref();
      raw.on('close', () => {
        open = false;
        clearInterval(heartbeat);
        hub.remove(subscriber);
      });
      hub.add(subscriber);
      hub.start(subscriber, lastEventId).catch((error: unknown) => {
        request.log.error({ err: error }, 'event stream failed');
        transport.close(1011, 'the stream failed');
      });
    },
  );
};
