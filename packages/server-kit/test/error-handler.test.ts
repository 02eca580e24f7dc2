import Fastify from 'fastify';
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { DbForgeError, Errors } from '@dbforge/contracts';
import { errorHandlerPlugin, jsonBodyPlugin, readConfig, validatorCompiler } from '../src/index.js';

const apps: ReturnType<typeof Fastify>[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function build() {
  const app = Fastify({ bodyLimit: 1024 });
  apps.push(app);
  app.setValidatorCompiler(validatorCompiler);
  await app.register(errorHandlerPlugin, { paramErrors: { name: Errors.invalidDatabaseName }, limits: { maxBodyBytes: 1024 } });
  await app.register(jsonBodyPlugin);
  app.post(
    '/things/:name',
    {
      schema: {
        params: Type.Object({ name: Type.String({ pattern: '^[a-z]+$' }) }),
        querystring: Type.Object({ n: Type.Optional(Type.Integer()) }),
        body: Type.Object({ a: Type.String(), b: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
      },
    },
    async (request) => ({ body: request.body, query: request.query }),
  );
  app.get('/boom', async () => {
    throw new Error('secret internal detail');
  });
  app.get('/conflict', async () => {
    throw new DbForgeError('CONFLICT', 'Already there.');
  });
  return app;
}

describe('error handler', () => {
  it('names every failing body field at once, with strict JSON types', async () => {
    const app = await build();
    const reply = await app.inject({ method: 'POST', url: '/things/ok', payload: { b: '2', c: 1 } });
    expect(reply.statusCode).toBe(422);
    expect(reply.json()).toEqual({
      error: {
        code: 'VALIDATION_ERROR',
        status: 422,
        message: expect.stringContaining('3 problems'),
        details: [
          { field: 'body.a', message: 'is required' },
          { field: 'body.c', message: 'is not a known field' },
          { field: 'body.b', message: 'must be an integer' },
        ],
      },
      detail: expect.stringContaining('3 problems'),
    });
    expect(reply.headers['x-dbforge-error-code']).toBe('VALIDATION_ERROR');
  });

  it('coerces query strings but not bodies', async () => {
    const app = await build();
    const reply = await app.inject({ method: 'POST', url: '/things/ok?n=5', payload: { a: 'x', b: 2 } });
    expect(reply.json()).toEqual({ body: { a: 'x', b: 2 }, query: { n: 5 } });
  });

  it('maps a bad path parameter to its own message', async () => {
    const app = await build();
    const reply = await app.inject({ method: 'POST', url: '/things/BAD', payload: { a: 'x', b: 2 } });
    expect(reply.statusCode).toBe(400);
    expect(reply.json().detail).toBe('Invalid database name.');
  });

  it('treats an empty JSON body as no body, and broken JSON as a 400', async () => {
    const app = await build();
    const empty = await app.inject({ method: 'POST', url: '/things/ok', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(empty.statusCode).toBe(422);
    const broken = await app.inject({ method: 'POST', url: '/things/ok', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('BAD_REQUEST');
  });

  it('answers 413, 415 and 404 with the envelope', async () => {
    const app = await build();
    const large = await app.inject({ method: 'POST', url: '/things/ok', payload: { a: 'x'.repeat(2000), b: 1 } });
    expect(large.statusCode).toBe(413);
    expect(large.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    const text = await app.inject({ method: 'POST', url: '/things/ok', headers: { 'content-type': 'text/plain' }, payload: 'hi' });
    expect(text.statusCode).toBe(415);
    const missing = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(missing.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'Route GET /nowhere not found.', status: 404 },
      detail: 'Route GET /nowhere not found.',
    });
  });

  it('never leaks an internal message on a 500', async () => {
    const app = await build();
    const reply = await app.inject({ method: 'GET', url: '/boom' });
    expect(reply.statusCode).toBe(500);
    expect(reply.body).not.toContain('secret internal detail');
    expect(reply.json().error.code).toBe('INTERNAL_ERROR');
    const conflict = await app.inject({ method: 'GET', url: '/conflict' });
    expect(conflict.statusCode).toBe(409);
  });
});

describe('readConfig', () => {
  const Schema = Type.Object({
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000, description: 'a TCP port' }),
    MODE: Type.Union([Type.Literal('a'), Type.Literal('b')], { default: 'a' }),
  });
  it('applies defaults and converts types', () => {
    expect(readConfig(Schema, {})).toEqual({ PORT: 8000, MODE: 'a' });
    expect(readConfig(Schema, { PORT: '9000', MODE: 'b' })).toEqual({ PORT: 9000, MODE: 'b' });
  });
  it('names each bad variable with what it must be and what it was', () => {
    expect(() => readConfig(Schema, { PORT: 'eighty', MODE: 'c' })).toThrow(/PORT: .*a TCP port.*"eighty"[\s\S]*MODE/);
  });
});
