import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import WebSocket, { type RawData } from 'ws';
import { DatabaseParamsSchema, DbForgeError, REQUEST_ID_HEADER, WorkerHeaders } from '@dbforge/contracts';
import { identityHeadersFor } from './forwarder.js';
import { watchStreamAccess } from './stream-access.js';
// Route options for WebSockets (wsHandler) come from the plugin's type augmentation.
import type {} from '@fastify/websocket';

/** The relay pauses reading from the worker while this many bytes wait for a slow client, and resumes below LOW. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
/** Clients that answer no ping within this long are dropped (the worker can't see past the gateway). */
const CLIENT_PING_MS = 30_000;

/** Close codes a WebSocket may send (1005 and 1006 are only reported, never sent). */
function sendable(code: number): number {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999) ? code : 1011;
}

/**
 * Carries realtime WebSocket connections (`/api/db/{name}/realtime`) to the worker that owns the database, for every
 * runtime (a Unix socket for processes, the container's address for Docker). The upgrade request goes through
 * Fastify's router (`@fastify/websocket`), so the gateway's `onRequest` authentication and the route's access check
 * run before anything is upgraded: a missing key answers 401, another tenant's database 404, as plain HTTP.
 *
 * Messages are relayed frame by frame, in order, with the worker's close code and reason passed on (a slow consumer
 * learns why it was cut off). Backpressure carries through: while a client is slow the relay stops reading from the
 * worker, whose own buffer limit then decides (it never slows other subscribers).
 */
export const realtimeProxyRoutes: FastifyPluginAsync<{ recheckMs: number }> = async (app, options) => {
  const identities = new WeakMap<FastifyRequest, Record<string, string>>();

  app.route({
    method: 'GET',
    url: '/api/db/:name/realtime',
    schema: {
      tags: ['data'],
      summary: 'Realtime changes over a WebSocket (see docs/EVENTS.md)',
      description:
        'Upgrade to a WebSocket. Subscribe in the URL (`?resource=orders&last_event_id=41`) or with `subscribe` messages; ' +
        'each change arrives once, in order, as `{"type":"event","event":{...}}`. A plain GET answers 400.',
      operationId: 'connectRealtime',
      params: DatabaseParamsSchema,
      querystring: Type.Record(Type.String(), Type.String()),
    },
    // Runs before the upgrade: a refusal is an HTTP answer, not a WebSocket that closes at once.
    preHandler: async (request) => {
      const name = (request.params as { name: string }).name;
      if (request.identity === null) {
        // A database's own end user (or anonymous): the worker decides who they are. A token is checked with the
        // worker now, so that a bad one is refused as HTTP 401 like everywhere else, not after the upgrade.
        app.databases.require(name);
        const headers = identityHeadersFor(request, undefined);
        identities.set(request, headers);
        if (request.headers.authorization !== undefined) {
          const endpoint = await app.databases.endpoint(name);
          const check = await endpoint.dispatcher.request({
            path: `/api/db/${encodeURIComponent(name)}/auth/me`,
            method: 'GET',
            headers: { [WorkerHeaders.secret]: endpoint.secret, [REQUEST_ID_HEADER]: request.id, ...headers },
            headersTimeout: 10_000,
          });
          await check.body.dump();
          if (check.statusCode === 401) throw new DbForgeError('UNAUTHORIZED', 'Invalid or expired token: sign in to this database again.');
        }
        return;
      }
      const { capabilities } = app.access.database(request, name, 'read');
      identities.set(request, identityHeadersFor(request, app.access.actor(request, capabilities)));
    },
    handler: async () => {
      throw new DbForgeError('BAD_REQUEST', 'This is a WebSocket endpoint: connect with Upgrade: websocket (or use GET /api/db/{name}/events/stream for Server-Sent Events).');
    },
    wsHandler: (client: WebSocket, request: FastifyRequest) => {
      void relay(client, request, identities.get(request) ?? {});
    },
  });

  async function relay(client: WebSocket, request: FastifyRequest, identity: Record<string, string>): Promise<void> {
    const name = (request.params as { name: string }).name;
    const pending: { data: RawData; binary: boolean }[] = [];
    // Set once the worker is reached; read by the client's handlers, which exist from the start.
    const link: { upstream?: WebSocket } = {};
    let paused = false;

    const closeClient = (code: number, reason: string) => {
      if (client.readyState === WebSocket.OPEN || client.readyState === WebSocket.CONNECTING) client.close(sendable(code), reason.slice(0, 120));
    };
    client.on('message', (data, binary) => {
      if (link.upstream?.readyState === WebSocket.OPEN) link.upstream.send(data, { binary });
      else pending.push({ data, binary });
    });
    let alive = true;
    client.on('pong', () => (alive = true));
    const ping = setInterval(() => {
      if (!alive) {
        client.terminate();
        return;
      }
      alive = false;
      client.ping();
    }, CLIENT_PING_MS);
    ping.unref();
    client.on('close', (code) => {
      clearInterval(ping);
      const upstream = link.upstream;
      if (upstream && upstream.readyState !== WebSocket.CLOSED) {
        if (upstream.readyState === WebSocket.OPEN) upstream.close(sendable(code === 1005 ? 1000 : code));
        else upstream.terminate();
      }
    });
    client.on('error', (error) => request.log.debug({ err: error }, 'realtime client error'));
    // A platform caller whose access ends (a key revoked, a member removed, a token expired) is disconnected.
    const unwatch = watchStreamAccess(app, request, name, options.recheckMs, () =>
      closeClient(4401, 'your access to this database has ended: reconnect with a valid credential'),
    );
    client.on('close', unwatch);

    let endpoint;
    try {
      endpoint = await app.databases.endpoint(name);
    } catch (error) {
      closeClient(1013, error instanceof DbForgeError ? error.message : 'the database worker is not available; try again');
      return;
    }
    if (client.readyState !== WebSocket.OPEN) return;
    const target =
      'socketPath' in endpoint.address
        ? `ws+unix://${endpoint.address.socketPath}:${request.url}`
        : `ws://${endpoint.address.host}:${endpoint.address.port}${request.url}`;
    const socket = new WebSocket(target, {
      headers: { [WorkerHeaders.secret]: endpoint.secret, [REQUEST_ID_HEADER]: request.id, ...identity },
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
      maxPayload: 64 * 1024 * 1024,
    });
    link.upstream = socket;
    socket.on('open', () => {
      for (const message of pending.splice(0)) socket.send(message.data, { binary: message.binary });
    });
    socket.on('message', (data, binary) => {
      if (client.readyState !== WebSocket.OPEN) return;
      client.send(data, { binary }, () => {
        if (paused && client.bufferedAmount < LOW_WATER) {
          paused = false;
          socket.resume();
        }
      });
      if (!paused && client.bufferedAmount > HIGH_WATER) {
        paused = true;
        socket.pause();
      }
    });
    socket.on('unexpected-response', (_req, response) => {
      const status = response.statusCode ?? 502;
      response.resume();
      closeClient(status === 404 ? 4404 : status === 401 || status === 403 ? 4403 : 1011, `the database worker refused the connection (${status})`);
      socket.terminate();
    });
    socket.on('close', (code, reason) => {
      closeClient(code === 1006 ? 1012 : code, reason.length > 0 ? reason.toString() : code === 1006 ? 'the database worker went away: reconnect with last_event_id to resume' : '');
    });
    socket.on('error', (error) => {
      request.log.warn({ err: error, db: name }, 'realtime connection to the worker failed');
      closeClient(1011, 'the database worker could not be reached: reconnect with last_event_id to resume');
    });
  }
};
