import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, auth, buildGateway } from './helpers.js';

describe('gateway routes', () => {
  it('needs a key on /admin and /api, and not on /, /health, /ready, /docs', async () => {
    const app = await buildGateway();
    for (const url of ['/', '/health', '/ready', '/openapi.json', '/docs/']) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
    const missing = await app.inject({ method: 'GET', url: '/admin/databases' });
    expect(missing.statusCode).toBe(401);
    expect(missing.json().detail).toBe('Missing API Key');
    const wrong = await app.inject({ method: 'GET', url: '/api/db/x/tables', headers: { 'x-api-key': 'nope' } });
    expect(wrong.json().detail).toBe('Invalid API Key.');
    const bearer = await app.inject({ method: 'GET', url: '/admin/databases', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(bearer.statusCode).toBe(200);
    expect(bearer.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('keeps a caller request id that is a plain token and replaces any other', async () => {
    const app = await buildGateway();
    const kept = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'bad id\n' } });
    expect(replaced.headers['x-request-id']).not.toContain(' ');
  });

  it("serves /metrics to the platform admin, or publicly when configured, and never to a tenant's key", async () => {
    const closed = await buildGateway();
    expect((await closed.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await closed.inject({ method: 'GET', url: '/metrics', headers: auth })).statusCode).toBe(200);
    await closed.inject({ method: 'POST', url: '/admin/tenants', headers: auth, payload: { id: 'globex', name: 'Globex' } });
    const created = await closed.inject({ method: 'POST', url: '/admin/tenants/globex/keys', headers: auth, payload: { name: 'k', scope: 'admin' } });
    expect(created.statusCode).toBe(201);
    const tenantKey = { 'x-api-key': created.json<{ secret: string }>().secret };
    expect((await closed.inject({ method: 'GET', url: '/metrics', headers: tenantKey })).statusCode).toBe(403);
    const open = await buildGateway({ DBFORGE_METRICS_PUBLIC: 'true' });
    expect((await open.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });

  it('takes only access tokens it could have signed: HS256 with an issuer, an expiry and a subject', async () => {
    const secret = 's'.repeat(40);
    const app = await buildGateway({ DBFORGE_TOKEN_SECRET: secret });
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = (claims: object) => {
      const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
      return `${unsigned}.${crypto.createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
    };
    await app.inject({ method: 'POST', url: '/admin/tenants', headers: auth, payload: { id: 'acme', name: 'Acme' } });
    await app.inject({ method: 'PUT', url: '/admin/tenants/acme/members', headers: auth, payload: { email: 'ada@acme.example.com', role: 'viewer', password: 'a long passphrase' } });
    const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'ada@acme.example.com', password: 'a long passphrase' } });
    const sub = JSON.parse(Buffer.from(login.json<{ access_token: string }>().access_token.split('.')[1]!, 'base64url').toString()).sub as string;
    const now = Math.floor(Date.now() / 1000);
    const me = (claims: object) => app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${token(claims)}` } });
    const base = { sub, email: 'ada@acme.example.com', typ: 'access' };
    expect((await me({ ...base, iss: 'dbforge', exp: now + 600 })).statusCode).toBe(200);
    expect((await me({ ...base, iss: 'dbforge' })).statusCode).toBe(401);
    expect((await me({ ...base, exp: now + 600 })).statusCode).toBe(401);
  });

  it("holds a tenant's database quota when spawns arrive at once", async () => {
    const app = await buildGateway();
    await app.inject({ method: 'POST', url: '/admin/tenants', headers: auth, payload: { id: 'tiny', name: 'Tiny', quotas: { max_databases: 1 } } });
    const spawns = await Promise.all(
      ['tiny-a', 'tiny-b', 'tiny-c'].map((name) => app.inject({ method: 'POST', url: `/admin/databases/spawn/${name}`, headers: auth, payload: { tenant: 'tiny' } })),
    );
    expect(spawns.map((r) => r.statusCode).sort()).toEqual([201, 403, 403]);
    expect(spawns.filter((r) => r.statusCode === 403).map((r) => r.json<{ error: { code: string } }>().error.code)).toEqual(['QUOTA_EXCEEDED', 'QUOTA_EXCEEDED']);
  });

  it('believes as many proxies as it is told to, and no more', async () => {
    const addressSeen = async (trust: string) => {
      const app = await buildGateway({ DBFORGE_TRUST_PROXY: trust });
      // A client's own X-Forwarded-For first, then the address the proxy in front of the gateway appended.
      await app.inject({ method: 'GET', url: '/admin/databases', headers: { 'x-api-key': 'nope', 'x-forwarded-for': '6.6.6.6, 10.0.0.7' } });
      const audit = await app.inject({ method: 'GET', url: '/admin/audit?action=auth.failure', headers: auth });
      return audit.json<{ data: { source_address: string }[] }>().data[0]!.source_address;
    };
    expect(await addressSeen('1')).toBe('10.0.0.7');
    expect(await addressSeen('127.0.0.1')).toBe('10.0.0.7');
    expect(await addressSeen('false')).toBe('127.0.0.1');
    expect(await addressSeen('true')).toBe('6.6.6.6');
    await expect(buildGateway({ DBFORGE_TRUST_PROXY: 'yes please' })).rejects.toThrow(/DBFORGE_TRUST_PROXY/);
  });

  it('records a failed authentication with its path cut to a sensible length', async () => {
    const app = await buildGateway();
    await app.inject({ method: 'GET', url: `/admin/${'a'.repeat(5000)}`, headers: { 'x-api-key': 'nope' } });
    const audit = await app.inject({ method: 'GET', url: '/admin/audit?action=auth.failure', headers: auth });
    const entries = audit.json<{ data: { detail: { path: string } }[] }>().data;
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.detail.path.length <= 256)).toBe(true);
  });

  it('answers 413 from the declared length before starting a worker call', async () => {
    const app = await buildGateway({ DBFORGE_MAX_BODY_BYTES: '2048' });
    await app.inject({ method: 'POST', url: '/admin/databases/spawn/small', headers: auth });
    const reply = await app.inject({
      method: 'POST',
      url: '/api/db/small/query',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ sql: `SELECT '${'x'.repeat(3000)}'` }),
    });
    expect(reply.statusCode).toBe(413);
    expect(reply.json().error.message).toBe('The request body is larger than the limit of 2048 bytes.');
  });

  it('documents every route with an operation id, tags and the error envelope', async () => {
    const app = await buildGateway();
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { operationId?: string; tags?: string[]; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        expect(operation.operationId, `${method} ${path}`).toMatch(/^[a-z]+[A-Za-z]+$/);
        expect(operation.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
    expect(spec.paths['/api/db/{name}/query']!.post!.responses['404']).toBeDefined();
    expect(spec.components.schemas.ErrorEnvelope).toBeDefined();
    expect(Object.keys(spec.components.securitySchemes).sort()).toEqual(['apiKey', 'bearer']);
  });

  it('reports readiness of the catalogue and the runtime', async () => {
    const app = await buildGateway();
    expect((await app.inject({ method: 'GET', url: '/ready' })).json()).toMatchObject({ status: 'ready', runtime: 'process' });
    const broken = await buildGateway({ DBFORGE_WORKER_ENTRY: '/nonexistent/server.js' });
    const reply = await broken.inject({ method: 'GET', url: '/ready' });
    expect(reply.statusCode).toBe(503);
    expect(reply.json().error.message).toMatch(/worker entry/);
  });

  it('answers 503 with a pointer to the logs when a worker can not start', async () => {
    const app = await buildGateway({ DBFORGE_WORKER_ENTRY: '/nonexistent/server.js' });
    const reply = await app.inject({ method: 'POST', url: '/admin/databases/spawn/broken', headers: auth });
    expect(reply.statusCode).toBe(503);
    expect(reply.json().error).toMatchObject({ code: 'WORKER_UNAVAILABLE', message: expect.stringContaining('/logs') });
    // Nothing half-made stays behind.
    expect((await app.inject({ method: 'GET', url: '/admin/databases/broken', headers: auth })).statusCode).toBe(404);
  });
});
