import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardToGateway, gatewayPathFor } from '@/server/gateway-proxy';

describe('which calls the console forwards', () => {
  it.each([
    [['admin', 'databases'], '/admin/databases'],
    [['admin', 'databases', 'spawn', 'shop'], '/admin/databases/spawn/shop'],
    [['admin', 'gateway', 'stats'], '/admin/gateway/stats'],
    [['api', 'db', 'shop', 'query'], '/api/db/shop/query'],
    [['api', 'db', 'shop', 'tables', 'my table'], '/api/db/shop/tables/my%20table'],
    [['admin'], null],
    [['api', 'db'], null],
    [['api', 'other', 'x'], null],
    [['metrics'], null],
    [['docs', 'json'], null],
    [['health'], null],
    [['admin', '..', 'metrics'], null],
    [['api', 'db', 'shop', '..', '..', '..', 'metrics'], null],
    [['admin', 'a/b'], null],
    [['admin', 'a\\b'], null],
    [['admin', ''], null],
    [['admin', 'tenants', 'acme', 'keys'], '/admin/tenants/acme/keys'],
    [['auth', 'me'], '/auth/me'],
    // The other sign-in routes answer tokens, which must stay on the console's server.
    [['auth', 'login'], null],
    [['auth', 'refresh'], null],
    [['auth', 'logout'], null],
    [['auth', 'password'], null],
    [['auth', 'me', 'x'], null],
    [['auth'], null],
  ])('%j → %j', (segments, path) => {
    expect(gatewayPathFor(segments)).toBe(path);
  });

  it('forwards /auth/me for GET only', () => {
    expect(gatewayPathFor(['auth', 'me'], 'GET')).toBe('/auth/me');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(gatewayPathFor(['auth', 'me'], method)).toBeNull();
  });
});

describe('forwarding a call', () => {
  let server: http.Server;
  let url: string;
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.writeHead(409, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'req-1', 'set-cookie': 'evil=1', server: 'fastify' });
        res.end('{"error":{"code":"CONFLICT","message":"taken","status":409},"detail":"taken"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the session’s credential headers and answers the gateway’s status and body unchanged', async () => {
    const body = new TextEncoder().encode('{"engine":"sqlite"}').buffer as ArrayBuffer;
    const reply = await forwardToGateway({
      gatewayUrl: url,
      credential: { 'x-api-key': 'the-key' },
      method: 'POST',
      path: '/admin/databases/spawn/shop',
      search: '?x=1',
      body,
      contentType: 'application/json',
      signal: AbortSignal.timeout(5000),
    });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/admin/databases/spawn/shop?x=1', body: '{"engine":"sqlite"}' });
    expect(seen[0]!.headers['x-api-key']).toBe('the-key');
    expect(seen[0]!.headers.cookie).toBeUndefined();
    expect(reply.status).toBe(409);
    expect(await reply.json()).toEqual({ error: { code: 'CONFLICT', message: 'taken', status: 409 }, detail: 'taken' });
    expect(reply.headers.get('x-request-id')).toBe('req-1');
    expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
    // Nothing else of the gateway's reaches the browser: no cookies of its own, no server banner.
    expect(reply.headers.get('set-cookie')).toBeNull();
    expect(reply.headers.get('server')).toBeNull();
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });
});

describe("a record's file through the console", () => {
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      // What an uploader chose to call their file.
      res.writeHead(200, { 'content-type': req.url!.endsWith('svg') ? 'image/svg+xml' : 'text/html', 'content-disposition': 'inline' });
      res.end('<script>fetch("/api/gateway/admin/tenants")</script>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each(['html', 'svg'])('is a sandboxed download, never a page of the console (%s)', async (kind) => {
    const reply = await forwardToGateway({
      gatewayUrl: url,
      credential: { 'x-api-key': 'the-key' },
      method: 'GET',
      path: `/api/db/shop/resources/docs/1/files/${kind}`,
      search: '',
      body: null,
      contentType: null,
      signal: AbortSignal.timeout(5000),
    });
    expect(reply.headers.get('content-disposition')).toBe('attachment');
    expect(reply.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'");
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('forwarding the change stream (Server-Sent Events)', () => {
  let server: http.Server;
  let url: string;
  const seen: http.IncomingHttpHeaders[] = [];
  let closed: Promise<void>;
  let upstreamClosed: () => void = () => undefined;
  let sendEvent: () => void = () => undefined;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
      req.socket.on('close', () => upstreamClosed());
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform' });
      res.write('retry: 2000\n\n');
      // The stream stays open: an event is written only when the test asks.
      sendEvent = () => res.write('id: 7\nevent: change\ndata: {"id":7}\n\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function openStream(lastEventId: string | null, signal: AbortSignal) {
    return forwardToGateway({
      gatewayUrl: url,
      credential: { 'x-api-key': 'the-key' },
      method: 'GET',
      path: '/api/db/shop/events/stream',
      search: '?resource=orders',
      body: null,
      contentType: null,
      lastEventId,
      signal,
    });
  }

  it('passes each event on as it comes, marked so that nothing compresses or buffers it, and resumes after Last-Event-ID', async () => {
    const controller = new AbortController();
    const reply = await openStream('41', controller.signal);
    expect(seen.at(-1)!['last-event-id']).toBe('41');
    expect(reply.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(reply.headers.get('cache-control')).toBe('no-store, no-transform');
    expect(reply.headers.get('x-accel-buffering')).toBe('no');
    const reader = reply.body!.getReader();
    const decoder = new TextDecoder();
    // Read while the gateway's reply is still open: nothing waits for its end.
    expect(decoder.decode((await reader.read()).value)).toBe('retry: 2000\n\n');
    sendEvent();
    expect(decoder.decode((await reader.read()).value)).toBe('id: 7\nevent: change\ndata: {"id":7}\n\n');
    // The browser going away (the request's signal) ends the call to the gateway.
    controller.abort();
    await closed;
  });

  it('passes on only a Last-Event-ID that is an event id', async () => {
    for (const value of ['abc', '1\r\nx-api-key: other', '']) {
      const controller = new AbortController();
      const reply = await openStream(value, controller.signal);
      expect(seen.at(-1)!['last-event-id']).toBeUndefined();
      expect(seen.at(-1)!['x-api-key']).toBe('the-key');
      controller.abort();
      await reply.body?.cancel().catch(() => undefined);
      await closed;
    }
  });
});
