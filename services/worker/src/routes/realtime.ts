import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import { DatabaseParamsSchema, DbForgeError, StreamQuerySchema, type StreamQuery } from '@dbforge/contracts';
import type { Actor } from '@dbforge/engine';
import { actorOf, bearerToken } from '../request-context.js';
import { recheckUser, Subscriber, type Transport } from '../realtime/hub.js';
import { lastEventIdOf, specFromMessage, specsFromQuery } from '../realtime/subscriptions.js';

/** Close codes of the realtime protocol besides the standard ones (SLOW_CONSUMER is the hub's 4008). */
const BAD_MESSAGE = 4400;

/**
 * The WebSocket feed: subscriptions come in the URL (like the SSE stream) or as `subscribe` messages; changes go out
 * as `{"type":"event","event":{...}}`, each exactly once and in order. See docs/EVENTS.md for the protocol.
 */
export interface RealtimeRoutesOptions {
  /** A database user's token to who they are (undefined when it is not valid). */
  authenticate: (token: string) => Promise<Actor | undefined>;
}

export const realtimeRoutes: FastifyPluginAsync<RealtimeRoutesOptions> = async (app, { authenticate }) => {
  const { hub, heartbeatMs } = app.realtime;

  app.get(
    '/api/db/:name/realtime',
    {
      websocket: true,
      schema: {
        tags: ['events'],
        summary: 'WebSocket feed of changes (subscribe to resources, tables or records; resume with last_event_id)',
        operationId: 'realtime',
        params: DatabaseParamsSchema,
        querystring: StreamQuerySchema,
      },
    },
    (socket: WebSocket, request) => {
      const query = request.query as StreamQuery;
      let actor;
      try {
        actor = actorOf(request);
      } catch (error) {
        socket.close(4401, (error as Error).message.slice(0, 120));
        return;
      }
      let lastEventId: number | undefined;
      const named = query.resource !== undefined || query.table !== undefined;
      const transport: Transport = {
        kind: 'ws',
        send: (frame) => socket.send(frame),
        buffered: () => socket.bufferedAmount,
        close: (code, reason) => socket.close(code, reason.slice(0, 120)),
      };
      const subscriber = new Subscriber(transport, actor);
      // A database user's token (header or `auth` message), re-checked on each heartbeat.
      let token = actor.kind === 'user' ? bearerToken(request) : undefined;
      const send = (message: Record<string, unknown>) => socket.send(JSON.stringify(message));
      const start = () => {
        hub.add(subscriber);
        send({ type: 'ready', last_event_id: hub.lastPublished, subscriptions: [...subscriber.subscriptions.values()] });
        hub.start(subscriber, lastEventId).catch((error: unknown) => {
          request.log.error({ err: error }, 'realtime feed failed');
          socket.close(1011, 'the feed failed');
        });
      };
      try {
        lastEventId = lastEventIdOf(undefined, query.last_event_id);
        if (named) for (const spec of specsFromQuery(query)) subscriber.subscriptions.set(spec.id, spec);
      } catch (error) {
        socket.close(BAD_MESSAGE, (error as Error).message.slice(0, 120));
        return;
      }
      if (named) start();

      let alive = true;
      socket.on('pong', () => (alive = true));
      const heartbeat = setInterval(() => {
        if (!alive) {
          socket.terminate();
          return;
        }
        alive = false;
        socket.ping();
        if (token !== undefined) void recheckUser(subscriber, token, authenticate).catch((error: unknown) => request.log.warn({ err: error }, 'checking a subscriber failed'));
      }, heartbeatMs);
      heartbeat.unref();

      // Messages are handled one after the other: a subscription sent right after `auth` waits for it.
      let queue: Promise<void> = Promise.resolve();
      socket.on('message', (data, isBinary) => {
        queue = queue.then(() => handle(data, isBinary));
      });

      const handle = async (data: unknown, isBinary: boolean): Promise<void> => {
        let message: Record<string, unknown>;
        try {
          const parsed: unknown = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data));
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
          message = parsed as Record<string, unknown>;
        } catch {
          send({ type: 'error', code: 'BAD_REQUEST', message: 'Messages are JSON objects with a "type".' });
          return;
        }
        try {
          switch (message.type) {
            case 'auth': {
              // Browsers can't send headers with a WebSocket: a database user's token may come as the first message.
              if (subscriber.state !== 'waiting' || subscriber.actor.kind !== 'anonymous') {
                throw new DbForgeError('BAD_REQUEST', 'Send auth once, first, on a connection made without a token.');
              }
              const user = typeof message.token === 'string' ? await authenticate(message.token) : undefined;
              if (user === undefined) {
                socket.close(4401, 'Invalid or expired token: sign in to this database again.');
                return;
              }
              subscriber.actor = user;
              token = message.token as string;
              send({ type: 'authenticated', user_id: user.id, roles: user.roles });
              return;
            }
            case 'subscribe': {
              const spec = specFromMessage(message, String(subscriber.subscriptions.size));
              subscriber.subscriptions.set(spec.id, spec);
              send({ type: 'subscribed', id: spec.id });
              if (subscriber.state === 'waiting') {
                if (message.last_event_id !== undefined) lastEventId = lastEventIdOf(undefined, String(message.last_event_id));
                start();
              }
              return;
            }
            case 'unsubscribe':
              subscriber.subscriptions.delete(String(message.id));
              send({ type: 'unsubscribed', id: String(message.id) });
              return;
            case 'ping':
              send({ type: 'pong', last_event_id: subscriber.cursor });
              return;
            default:
              throw new DbForgeError('BAD_REQUEST', `Unknown message type '${String(message.type)}': subscribe, unsubscribe or ping.`);
          }
        } catch (error) {
          send({ type: 'error', code: error instanceof DbForgeError ? error.code : 'BAD_REQUEST', message: (error as Error).message });
        }
      };
      socket.on('close', () => {
        clearInterval(heartbeat);
        hub.remove(subscriber);
      });
    },
  );
};
