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
