import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@dbforge/engine';
import { validatorCompiler } from '@dbforge/server-kit';
import { workerApp } from '../src/app.js';

const SECRET = 's'.repeat(43);
const auth = { 'x-dbforge-worker-secret': SECRET, 'x-dbforge-actor': JSON.stringify({ id: 'admin', kind: 'platform', roles: ['admin'], readonly: false }) };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function build(): Promise<FastifyInstance> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbforge-worker-'));
  const adapter = await openDatabase({ engine: 'sqlite', directory: dir, limits: { maxResultRows: 100, maxResultBytes: 1 << 20 } });
  const app = Fastify({ bodyLimit: 1 << 20 });
  app.setValidatorCompiler(validatorCompiler);
  await app.register(workerApp, { name: 'mine', adapter, dataDir: dir, secret: SECRET, maxBodyBytes: 1 << 20 });
  cleanups.push(async () => {
    await app.close();
    await adapter.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return app;
}

const YAML = 'resource: notes\nfields:\n  title: {type: string, required: true}\n  by: {type: string, auto_user_add: true}\nhooks:\n  before_create: check\n  after_create: done\n';

describe('resource routes', () => {
  it.each([
    ['application/yaml', 200],
    ['text/yaml', 200],
    ['application/x-yaml', 200],
    ['application/json', 415],
    ['text/plain', 415],
  ])('takes a schema as %s → %i', async (type, status) => {
    const app = await build();
    const reply = await app.inject({ method: 'PUT', url: '/api/db/mine/schema', headers: { ...auth, 'content-type': type }, payload: type.includes('json') ? JSON.stringify({ resource: 'x' }) : YAML });
    expect(reply.statusCode).toBe(status);
  });

  it('acts for the identity the gateway sends, and for the admin without one; refuses a malformed one', async () => {
    const app = await build();
    await app.inject({ method: 'PUT', url: '/api/db/mine/schema', headers: { ...auth, 'content-type': 'application/yaml' }, payload: YAML });
    const asAda = await app.inject({
      method: 'POST',
      url: '/api/db/mine/resources/notes',
      headers: { ...auth, 'x-dbforge-actor': JSON.stringify({ id: 'ada', roles: ['writer'] }) },
      payload: { title: 'a' },
    });
    expect(asAda.statusCode).toBe(201);
    expect(asAda.json()).toMatchObject({ by: 'ada' });
    const asAdmin = await app.inject({ method: 'POST', url: '/api/db/mine/resources/notes', headers: auth, payload: { title: 'b' } });
    expect(asAdmin.json()).toMatchObject({ by: 'admin' });
    const bad = await app.inject({ method: 'POST', url: '/api/db/mine/resources/notes', headers: { ...auth, 'x-dbforge-actor': '{"id": 1}' }, payload: { title: 'c' } });
    expect(bad.statusCode).toBe(400);
  });

  it('answers the internal 299 when before-hooks have webhooks, commits with the token, and reports outbox deliveries', async () => {
    const app = await build();
    await app.inject({ method: 'PUT', url: '/api/db/mine/schema', headers: { ...auth, 'content-type': 'application/yaml' }, payload: YAML });
    const headers = { ...auth, 'x-dbforge-hooks': 'check,done' };
    const first = await app.inject({ method: 'POST', url: '/api/db/mine/resources/notes', headers, payload: { title: 'a' } });
    expect(first.statusCode).toBe(299);
    expect(first.headers['x-dbforge-hook-required']).toBe('1');
    const { token, calls } = first.json() as { token: string; calls: unknown[] };
    expect(calls).toEqual([{ index: 0, hook: 'check', event: 'before_create', resource: 'notes', record: { title: 'a', by: 'admin' }, old_record: null }]);
    const verdict = Buffer.from(JSON.stringify({ sets: { 0: { title: 'A' } } })).toString('base64url');
    const second = await app.inject({
      method: 'POST',
      url: '/api/db/mine/resources/notes',
      headers: { ...headers, 'x-dbforge-hook-token': token, 'x-dbforge-hook-verdict': verdict },
      payload: { title: 'a' },
    });
    expect(second.statusCode).toBe(201);
    expect(second.json()).toMatchObject({ id: 1, title: 'A' });
    expect(second.headers['x-dbforge-outbox']).toBe('1');
    const outbox = await app.inject({ method: 'GET', url: '/_worker/outbox', headers: auth });
    expect(outbox.json().deliveries).toHaveLength(1);
    const acked = await app.inject({ method: 'POST', url: '/_worker/outbox/ack', headers: auth, payload: { ids: [outbox.json().deliveries[0].id] } });
    expect(acked.json()).toEqual({ acknowledged: 1 });
    // Without the secret, the outbox is as closed as everything else.
    expect((await app.inject({ method: 'GET', url: '/_worker/outbox' })).statusCode).toBe(401);
  });
});
