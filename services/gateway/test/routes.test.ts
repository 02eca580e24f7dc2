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

  it('serves /metrics publicly only when configured', async () => {
    const closed = await buildGateway();
    expect((await closed.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await closed.inject({ method: 'GET', url: '/metrics', headers: auth })).statusCode).toBe(200);
    const open = await buildGateway({ DBFORGE_METRICS_PUBLIC: 'true' });
    expect((await open.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
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
