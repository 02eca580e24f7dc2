import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIMES, removeTempDirs, startGateway, stopAllGateways, type RunningGateway } from '../support/gateway.js';

afterAll(async () => {
  await stopAllGateways();
  removeTempDirs();
});

describe.each(RUNTIMES)('service endpoints and keys (%s runtime)', (runtime) => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ runtime });
  });

  it('answers GET / with the name, version and a link to the docs, without a key', async () => {
    const reply = await gw.client.withApiKey(undefined).raw('GET', '/');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ name: 'DB-Forge Gateway', version: expect.stringMatching(/^\d+\.\d+\.\d+/), message: 'DB-Forge gateway is running.', docs: '/docs' });
  });

  it('reports liveness and readiness', async () => {
    const anonymous = gw.client.withApiKey(undefined);
    expect(await anonymous.health()).toEqual({ status: 'ok' });
    expect(await anonymous.ready()).toMatchObject({ status: 'ready', runtime, checks: { catalog: { ok: true }, runtime: { ok: true } } });
  });

  it('serves Swagger UI at /docs and an OpenAPI document with every route', async () => {
    const page = await fetch(`${gw.url}/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger');
    const spec = (await gw.client.withApiKey(undefined).raw<{ paths: Record<string, Record<string, { operationId?: string }>> }>('GET', '/openapi.json')).body;
    const operations = Object.values(spec.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    expect(operations).toEqual(
      expect.arrayContaining([
        'spawnDatabase', 'pruneDatabase', 'deleteDatabase', 'listDatabases', 'getDatabase', 'getGatewayStats',
        'runQuery', 'runBatch', 'listTables', 'createTable', 'describeTable', 'selectRows', 'insertRows', 'getMetrics',
      ]),
    );
    expect(spec.paths['/api/db/{name}/query']?.post).toBeDefined();
  });

  it('serves Prometheus metrics to a caller with the key', async () => {
    expect((await gw.client.withApiKey(undefined).raw('GET', '/metrics')).status).toBe(401);
    await gw.client.listDatabases();
    const reply = await gw.client.raw<string>('GET', '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatch(/dbforge_http_requests_total\{method="GET",route="\/admin\/databases",status_code="200"\} \d+/);
    expect(reply.body).toContain('dbforge_http_request_duration_seconds_bucket');
    expect(reply.body).toMatch(/dbforge_workers\{state="running"\} \d+/);
  });

  it.each([
    ['GET', '/admin/databases'],
    ['GET', '/admin/gateway/stats'],
    ['POST', '/admin/databases/spawn/anything'],
    ['POST', '/api/db/anything/query'],
    ['GET', '/api/db/anything/tables'],
  ])('needs a key for %s %s: missing is "Missing API Key", wrong is "Invalid API Key."', async (method, path) => {
    const missing = await gw.client.withApiKey(undefined).raw(method, path);
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ error: { code: 'UNAUTHORIZED', message: 'Missing API Key', status: 401 }, detail: 'Missing API Key' });
    const wrong = await gw.client.withApiKey('not-the-key-not-the-key-not').raw(method, path);
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: { code: 'UNAUTHORIZED', message: 'Invalid API Key.', status: 401 }, detail: 'Invalid API Key.' });
  });

  it('accepts the key as Authorization: Bearer too', async () => {
    const reply = await gw.client.withApiKey(undefined).raw('GET', '/admin/databases', { headers: { authorization: `Bearer ${gw.apiKey}` } });
    expect(reply.status).toBe(200);
  });

  it('answers unknown routes with the error envelope', async () => {
    const reply = await gw.client.raw('GET', '/admin/nothing');
    expect(reply).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });
});
