import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@dbforge/engine';
import { CHANNEL_PATH, CHANNEL_PROTOCOL, encodeFrame, FrameReader, validatorCompiler, type ChannelReplyHeader } from '@dbforge/server-kit';
import { workerApp } from '../src/app.js';

const SECRET = 'c'.repeat(43);
const ACTOR = JSON.stringify({ id: 'admin', kind: 'platform', roles: ['admin'], readonly: false });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A worker listening on loopback, as the gateway reaches it. */
async function listening(): Promise<number> {
  return (await listeningApp()).port;
}

async function listeningApp(): Promise<{ port: number; close: () => Promise<void>; app: FastifyInstance }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbforge-channel-'));
  const adapter = await openDatabase({ engine: 'sqlite', directory: dir, limits: { maxResultRows: 100, maxResultBytes: 1 << 20 } });
  const app = Fastify({ bodyLimit: 4096 });
  app.setValidatorCompiler(validatorCompiler);
  await app.register(workerApp, { name: 'mine', adapter, dataDir: dir, secret: SECRET, maxBodyBytes: 4096 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(async () => {
    await app.close();
    await adapter.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { port: (app.server.address() as net.AddressInfo).port, close: () => app.close(), app };
}

/** Opens a channel with the given secret; answers the handshake's status line and the socket. */
async function upgrade(port: number, secret: string): Promise<{ status: string; socket: net.Socket; rest: Buffer }> {
  const socket = net.connect(port, '127.0.0.1');
  cleanups.push(async () => void socket.destroy());
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`GET ${CHANNEL_PATH} HTTP/1.1\r\nHost: w\r\nConnection: Upgrade\r\nUpgrade: ${CHANNEL_PROTOCOL}\r\nx-dbforge-worker-secret: ${secret}\r\n\r\n`);
  let received = Buffer.alloc(0);
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      resolve({ status: received.subarray(0, received.indexOf('\r\n')).toString(), socket, rest: received.subarray(end + 4) });
    };
    socket.on('data', onData);
  });
}

function replies(socket: net.Socket, rest: Buffer, count: number): Promise<{ header: ChannelReplyHeader; body: unknown }[]> {
  const reader = new FrameReader<ChannelReplyHeader>(1 << 20);
  const got: { header: ChannelReplyHeader; body: unknown }[] = [];
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) got.push({ header: frame.header, body: frame.body.length === 0 ? null : (JSON.parse(frame.body.toString()) as unknown) });
      if (got.length >= count) resolve(got.sort((a, b) => a.header.id - b.header.id));
    };
    socket.on('data', onData);
    if (rest.length > 0) onData(rest);
  });
}

describe('worker channel', () => {
  it('refuses a connection without the worker secret', async () => {
    const port = await listening();
    for (const secret of ['', 'wrong', `${SECRET}x`]) {
      const { status, socket } = await upgrade(port, secret);
      expect(status).toBe('HTTP/1.1 401 Unauthorized');
      await new Promise((resolve) => socket.once('close', resolve));
    }
  });

  it('answers many requests in flight, each by its id, with the status and error code of the HTTP route', async () => {
    const port = await listening();
    const { status, socket, rest } = await upgrade(port, SECRET);
    expect(status).toBe('HTTP/1.1 101 Switching Protocols');
    const request = (id: number, op: string, name: string, body: string) => encodeFrame({ id, op, name, actor: ACTOR, requestId: `r${id}` }, body);
    const frames = Buffer.concat([
      request(1, 'query', 'mine', JSON.stringify({ sql: 'SELECT 1 AS one' })),
      request(2, 'query', 'other', JSON.stringify({ sql: 'SELECT 1' })),
      request(3, 'batch', 'mine', JSON.stringify({ statements: [{ sql: 'SELECT 2 AS two' }] })),
      request(4, 'query', 'mine', JSON.stringify({ nonsense: true })),
      request(5, 'query', 'mine', '{not json'),
      request(6, 'drop', 'mine', '{}'),
    ]);
    const answered = replies(socket, rest, 6);
    // Split anywhere: the worker reads frames, not chunks.
    socket.write(frames.subarray(0, 37));
    socket.write(frames.subarray(37));
    const got = await answered;
    expect(got.map((r) => [r.header.id, r.header.status, r.header.code])).toEqual([
      [1, 200, undefined],
      [2, 404, 'NOT_FOUND'],
      [3, 200, undefined],
      [4, 422, 'VALIDATION_ERROR'],
      [5, 400, 'BAD_REQUEST'],
      [6, 400, 'BAD_REQUEST'],
    ]);
    expect(got[0]!.body).toMatchObject({ data: [{ one: 1 }] });
    expect(got[3]!.body).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
  });

  it("runs records' point operations as their routes do: statuses, bodies, a read-only caller, bad parameters", async () => {
    const { port, app } = await listeningApp();
    const applied = await app.inject({
      method: 'PUT',
      url: '/api/db/mine/schema',
      headers: { 'x-dbforge-worker-secret': SECRET, 'x-dbforge-actor': ACTOR, 'content-type': 'application/yaml' },
      payload: 'resource: notes\nfields:\n  id:\n    type: primary_key\n  title:\n    type: string\n    required: true\n',
    });
    expect(applied.statusCode).toBe(200);
    const { socket, rest } = await upgrade(port, SECRET);
    const reader = JSON.stringify({ id: 'viewer', kind: 'platform', roles: ['viewer'], readonly: true });
    // actor null: a database end user's request (no platform caller).
    const record = (id: number, op: string, extra: Record<string, unknown>, body = '', actor: string | null = ACTOR) =>
      encodeFrame({ id, op, name: 'mine', ...(actor === null ? {} : { actor }), requestId: `r${id}`, ...extra }, body);
    // One at a time, in order: each depends on the one before.
    const steps: [Buffer, number, string | undefined, unknown][] = [
      [record(1, 'create', { resource: 'notes' }, JSON.stringify({ title: 'first' })), 201, undefined, { id: 1, title: 'first' }],
      [record(2, 'read', { resource: 'notes', record: '1' }), 200, undefined, { id: 1, title: 'first' }],
      [record(3, 'update', { resource: 'notes', record: '1' }, JSON.stringify({ title: 'changed' }), reader), 403, 'FORBIDDEN', expect.anything()],
      [record(4, 'read', { resource: 'notes', record: '1' }, '', reader), 200, undefined, { id: 1, title: 'first' }],
      [record(5, 'create', { resource: 'notes' }, JSON.stringify({})), 422, 'VALIDATION_ERROR', expect.anything()],
      [record(6, 'create', { resource: 'Bad Name' }, JSON.stringify({ title: 'x' })), 422, 'VALIDATION_ERROR', expect.anything()],
      [record(7, 'create', { resource: 'missing' }, JSON.stringify({ title: 'x' })), 404, 'NOT_FOUND', expect.anything()],
      [record(8, 'replace', { resource: 'notes', record: '1' }, JSON.stringify({ title: 'replaced' })), 200, undefined, { id: 1, title: 'replaced' }],
      [record(9, 'delete', { resource: 'notes', record: '1' }), 204, undefined, null],
      [record(10, 'read', { resource: 'notes', record: '1' }), 404, 'NOT_FOUND', expect.anything()],
      // A database end user (no platform caller): their token is checked here; SQL is not theirs.
      [record(11, 'read', { resource: 'notes', record: '1', authorization: 'Bearer dbu_not-a-token' }, '', null), 401, 'UNAUTHORIZED', expect.anything()],
      [record(12, 'query', {}, JSON.stringify({ sql: 'SELECT 1' }), null), 401, 'UNAUTHORIZED', expect.anything()],
    ];
    let pending = rest;
    for (const [frame, status, code, body] of steps) {
      const answered = replies(socket, pending, 1);
      pending = Buffer.alloc(0);
      socket.write(frame);
      const [got] = await answered;
      socket.removeAllListeners('data');
      expect([got!.header.status, got!.header.code, got!.body]).toEqual([status, code, body]);
    }
  });

  it('ends its channels when the worker stops, after answering what it took', async () => {
    const worker = await listeningApp();
    const { socket, rest } = await upgrade(worker.port, SECRET);
    const ended = new Promise((resolve) => socket.once('end', resolve));
    const answered = replies(socket, rest, 1);
    socket.write(encodeFrame({ id: 1, op: 'query', name: 'mine', actor: ACTOR, requestId: 'r1' }, JSON.stringify({ sql: 'SELECT 1 AS one' })));
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await worker.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await answered)[0]!.header.status).toBe(200);
    await ended;
  });

  it('closes the channel on a malformed frame', async () => {
    const port = await listening();
    const { socket } = await upgrade(port, SECRET);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const bad = Buffer.alloc(8);
    bad.writeUInt32BE(2, 0);
    socket.write(bad);
    await closed;
  });

  it('survives a refused upgrade whose connection is reset', async () => {
    const port = await listening();
    const { status, socket } = await upgrade(port, 'wrong');
    expect(status).toBe('HTTP/1.1 401 Unauthorized');
    socket.resetAndDestroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await upgrade(port, SECRET);
    expect(again.status).toBe('HTTP/1.1 101 Switching Protocols');
  });

  it('keeps a large reply for the gateway to fetch once over HTTP, instead of sending it in a frame', async () => {
    const { port, app } = await listeningApp();
    const { socket, rest } = await upgrade(port, SECRET);
    const reader = new FrameReader<ChannelReplyHeader>(1 << 20);
    const frames: { header: ChannelReplyHeader; body: Buffer }[] = [];
    const answered = new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        frames.push(...reader.push(chunk));
        if (frames.length === 2) resolve();
      };
      socket.on('data', onData);
      if (rest.length > 0) onData(rest);
    });
    const frame = (id: number, sql: string) => encodeFrame({ id, op: 'query', name: 'mine', actor: ACTOR, requestId: `r${id}` }, JSON.stringify({ sql }));
    socket.write(Buffer.concat([frame(1, "SELECT hex(zeroblob(60000)) AS big"), frame(2, 'SELECT 1 AS small')]));
    await answered;
    frames.sort((a, b) => a.header.id - b.header.id);
    const [big, small] = frames;
    expect(big!.header).toMatchObject({ id: 1, status: 200, spill: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(big!.body.length).toBe(0);
    expect(small!.header.spill).toBeUndefined();
    expect(JSON.parse(small!.body.toString())).toMatchObject({ data: [{ small: 1 }] });

    const url = `/_dbforge/channel/replies/${big!.header.spill}`;
    expect((await app.inject({ method: 'GET', url })).statusCode).toBe(401);
    const fetched = await app.inject({ method: 'GET', url, headers: { 'x-dbforge-worker-secret': SECRET } });
    expect(fetched.statusCode).toBe(200);
    expect(fetched.headers['content-type']).toMatch(/^application\/json/);
    expect(fetched.json<{ data: { big: string }[] }>().data[0]!.big).toHaveLength(120000);
    const again = await app.inject({ method: 'GET', url, headers: { 'x-dbforge-worker-secret': SECRET } });
    expect(again.statusCode).toBe(404);
  });

  it('refuses a body over its own limit, as its HTTP routes do', async () => {
    const port = await listening();
    const { socket, rest } = await upgrade(port, SECRET);
    const answered = replies(socket, rest, 1);
    const big = JSON.stringify({ sql: `SELECT '${'x'.repeat(5000)}' AS big` });
    socket.write(encodeFrame({ id: 1, op: 'query', name: 'mine', actor: ACTOR, requestId: 'r1' }, big));
    const [got] = await answered;
    expect([got!.header.status, got!.header.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('does not hold quick replies behind slow statements that arrived in the same chunk', async () => {
    // In a process of its own: in this one, the test could not read a reply while the worker runs a statement.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbforge-channel-'));
    const child = spawn(process.execPath, [fileURLToPath(new URL('../dist/server.js', import.meta.url))], {
      env: {
        PATH: process.env.PATH,
        DBFORGE_WORKER_DB_NAME: 'mine',
        DBFORGE_WORKER_DATA_DIR: dir,
        DBFORGE_WORKER_SECRET: SECRET,
        DBFORGE_WORKER_HOST: '127.0.0.1',
        DBFORGE_WORKER_PORT: '0',
        DBFORGE_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(async () => {
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const port = await new Promise<number>((resolve, reject) => {
      let output = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        const match = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`the worker exited (${code}): ${output}`)));
    });
    const { socket, rest } = await upgrade(port, SECRET);
    const arrived = new Map<number, number>();
    const reader = new FrameReader<ChannelReplyHeader>(1 << 20);
    const done = new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        for (const frame of reader.push(chunk)) arrived.set(frame.header.id, performance.now());
        if (arrived.size === 3) resolve();
      };
      socket.on('data', onData);
      if (rest.length > 0) onData(rest);
    });
    const slow = JSON.stringify({ sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1500000) SELECT count(*) AS n FROM c' });
    const frame = (id: number, body: string) => encodeFrame({ id, op: 'query', name: 'mine', actor: ACTOR, requestId: `r${id}` }, body);
    socket.write(Buffer.concat([frame(1, JSON.stringify({ sql: 'SELECT 1 AS one' })), frame(2, slow), frame(3, slow)]));
    await done;
    // The first replies leave once the chunk has run past its budget, before the last slow statement has run.
    expect(arrived.get(3)! - arrived.get(1)!).toBeGreaterThan(50);
  });
});
