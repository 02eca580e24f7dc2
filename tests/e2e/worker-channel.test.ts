import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIMES, removeTempDirs, startGateway, stopAllGateways, type RunningGateway } from '../support/gateway.js';

// The gateway sends SQL queries and batches to a worker over its channel (one multiplexed connection, frames instead
// of HTTP requests). These tests hold the channel to the HTTP path it replaces: a client must not be able to tell them
// apart, whatever it sends.

afterAll(async () => {
  await stopAllGateways();
  removeTempDirs();
});

interface Case {
  label: string;
  path: string;
  body: string;
  contentType?: string;
}

const CASES: Case[] = [
  { label: 'a select', path: 'query', body: JSON.stringify({ sql: 'SELECT id, v FROM t WHERE id <= ? ORDER BY id', params: [2] }) },
  { label: 'named parameters', path: 'query', body: JSON.stringify({ sql: 'SELECT :a + :b AS s', params: { a: 1, b: 2 } }) },
  { label: 'a write', path: 'query', body: JSON.stringify({ sql: "UPDATE t SET v = 'x' WHERE id = 3" }) },
  { label: 'an SQL error', path: 'query', body: JSON.stringify({ sql: 'SELEC 1' }) },
  { label: 'an unknown table', path: 'query', body: JSON.stringify({ sql: 'SELECT * FROM missing' }) },
  { label: 'a constraint violation', path: 'query', body: JSON.stringify({ sql: 'INSERT INTO t (id, v) VALUES (1, ?)', params: ['dup'] }) },
  { label: 'a refused statement', path: 'query', body: JSON.stringify({ sql: "ATTACH DATABASE '/tmp/x.db' AS x" }) },
  { label: 'a transaction statement', path: 'query', body: JSON.stringify({ sql: 'BEGIN' }) },
  { label: 'a body without sql', path: 'query', body: JSON.stringify({ params: [1] }) },
  { label: 'a body with an unknown key', path: 'query', body: JSON.stringify({ sql: 'SELECT 1', extra: true }) },
  { label: 'parameters of the wrong type', path: 'query', body: JSON.stringify({ sql: 'SELECT ?', params: 'one' }) },
  { label: 'malformed JSON', path: 'query', body: '{"sql": "SELECT 1"' },
  { label: 'a JSON array', path: 'query', body: '[1, 2]' },
  { label: 'a body of spaces', path: 'query', body: '   ' },
  { label: 'JSON with a charset', path: 'query', body: JSON.stringify({ sql: 'SELECT 2 AS two' }), contentType: 'application/json; charset=utf-8' },
  { label: 'a large result (3 MB)', path: 'query', body: JSON.stringify({ sql: 'SELECT hex(zeroblob(1500000)) AS big' }) },
  { label: 'a text body', path: 'query', body: 'SELECT 1', contentType: 'text/plain' },
  {
    label: 'a batch',
    path: 'batch',
    body: JSON.stringify({ statements: [{ sql: 'INSERT INTO t (id, v) VALUES (?, ?)', params: [10, 'ten'] }, { sql: 'SELECT count(*) AS n FROM t' }] }),
  },
  {
    label: 'a batch that fails half-way',
    path: 'batch',
    body: JSON.stringify({ statements: [{ sql: "INSERT INTO t (id, v) VALUES (20, 'twenty')" }, { sql: 'INSERT INTO t (id, v) VALUES (1, NULL)' }] }),
  },
  { label: 'an empty batch', path: 'batch', body: JSON.stringify({ statements: [] }) },
];

/** What a client sees of a reply, with what differs from call to call (timings, request ids) taken out. */
async function observe(gw: RunningGateway, name: string, c: Case) {
  const reply = await fetch(`${gw.url}/api/db/${name}/${c.path}`, {
    method: 'POST',
    headers: { 'x-api-key': gw.apiKey, 'content-type': c.contentType ?? 'application/json' },
    body: c.body,
  });
  const text = await reply.text();
  const headers = Object.fromEntries(
    [...reply.headers].filter(
      ([key]) => !['date', 'x-request-id', 'content-length', 'keep-alive', 'connection', 'x-ratelimit-remaining', 'x-ratelimit-reset'].includes(key),
    ),
  );
  const body = JSON.parse(text, (key, value: unknown) => (key === 'duration_ms' || key === 'request_id' ? '(varies)' : value)) as unknown;
  return { status: reply.status, headers, body, requestId: reply.headers.get('x-request-id') };
}

interface RecordCase {
  label: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Below the database: `resources/...`. */
  path: string;
  body?: string;
  /** Sent instead of the platform key: a database end user's (`Bearer ...`), or '' for none (anonymous). */
  authorization?: string;
}

/** As `observe`, for any method and path; a reply may have no body (204). */
async function observeRecord(gw: RunningGateway, name: string, c: RecordCase) {
  const reply = await fetch(`${gw.url}/api/db/${name}/${c.path}`, {
    method: c.method,
    headers: {
      ...(c.authorization === undefined ? { 'x-api-key': gw.apiKey } : c.authorization === '' ? {} : { authorization: c.authorization }),
      ...(c.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: c.body,
  });
  const text = await reply.text();
  const headers = Object.fromEntries(
    [...reply.headers].filter(
      ([key]) => !['date', 'x-request-id', 'content-length', 'keep-alive', 'connection', 'x-ratelimit-remaining', 'x-ratelimit-reset'].includes(key),
    ),
  );
  const body = text === '' ? null : (JSON.parse(text, (key, value: unknown) => (key === 'request_id' ? '(varies)' : value)) as unknown);
  return { status: reply.status, headers, body };
}

describe.each(RUNTIMES)('worker channel (%s runtime)', (runtime) => {
  let channel: RunningGateway;
  let http: RunningGateway;
  const name = 'channel-check';

  beforeAll(async () => {
    [channel, http] = await Promise.all([
      startGateway({ runtime, env: { DBFORGE_WORKER_POOL_SIZE: '0', DBFORGE_MAX_BODY_BYTES: '32768' } }),
      startGateway({ runtime, env: { DBFORGE_WORKER_CHANNEL: 'false', DBFORGE_WORKER_POOL_SIZE: '0', DBFORGE_MAX_BODY_BYTES: '32768' } }),
    ]);
    for (const gw of [channel, http]) {
      await gw.client.spawnDatabase(name);
      await gw.client.db(name).execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
      await gw.client.db(name).execute("INSERT INTO t (id, v) VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    }
  });

  it('answers every query and batch as the HTTP path does: status, headers and body, errors included', async () => {
    for (const c of CASES) {
      const viaChannel = await observe(channel, name, c);
      const viaHttp = await observe(http, name, c);
      expect({ case: c.label, status: viaChannel.status, headers: viaChannel.headers, body: viaChannel.body }).toEqual({
        case: c.label,
        status: viaHttp.status,
        headers: viaHttp.headers,
        body: viaHttp.body,
      });
      expect(viaChannel.requestId, c.label).toBeTruthy();
    }
    // Both databases went through the same writes, and hold the same rows.
    const rows = await channel.client.db(name).select('SELECT id, v FROM t ORDER BY id');
    expect(rows).toEqual(await http.client.db(name).select('SELECT id, v FROM t ORDER BY id'));
    expect(rows).toEqual([
      { id: 1, v: 'one' },
      { id: 2, v: 'two' },
      { id: 3, v: 'x' },
      { id: 10, v: 'ten' },
    ]);
  });

  it("answers every record operation as the HTTP path does, and the records end up the same", async () => {
    const yaml = 'resource: notes\nfields:\n  id:\n    type: primary_key\n  title:\n    type: string\n    required: true\n    max_length: 20\n  stars:\n    type: integer\n';
    for (const gw of [channel, http]) await gw.client.db(name).applySchema(yaml);
    const json = (value: unknown) => JSON.stringify(value);
    const cases: RecordCase[] = [
      { label: 'a create', method: 'POST', path: 'resources/notes', body: json({ title: 'first', stars: 3 }) },
      { label: 'another create', method: 'POST', path: 'resources/notes', body: json({ title: 'second' }) },
      { label: 'a create that fails validation', method: 'POST', path: 'resources/notes', body: json({ title: 'x'.repeat(30), stars: 'many' }) },
      { label: 'a create with an unknown field', method: 'POST', path: 'resources/notes', body: json({ title: 'x', colour: 'red' }) },
      { label: 'a create with malformed JSON', method: 'POST', path: 'resources/notes', body: '{"title": ' },
      { label: 'a create with a JSON list', method: 'POST', path: 'resources/notes', body: '[1]' },
      { label: 'a create in an unknown resource', method: 'POST', path: 'resources/nothing', body: json({ title: 'x' }) },
      { label: 'a create with a bad resource name', method: 'POST', path: 'resources/Not-A-Name', body: json({ title: 'x' }) },
      { label: 'a read', method: 'GET', path: 'resources/notes/1' },
      { label: 'a read of a missing record', method: 'GET', path: 'resources/notes/999' },
      { label: 'a read of an id too long', method: 'GET', path: `resources/notes/${'9'.repeat(201)}` },
      { label: 'a read as of a time (HTTP only)', method: 'GET', path: `resources/notes/1?as_of=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}` },
      { label: 'an update', method: 'PATCH', path: 'resources/notes/1', body: json({ stars: 5 }) },
      { label: 'an update that fails validation', method: 'PATCH', path: 'resources/notes/1', body: json({ stars: 'five' }) },
      { label: 'an update of a missing record', method: 'PATCH', path: 'resources/notes/999', body: json({ stars: 1 }) },
      { label: 'a replace', method: 'PUT', path: 'resources/notes/2', body: json({ title: 'second, again' }) },
      { label: 'a replace without a required field', method: 'PUT', path: 'resources/notes/2', body: json({ stars: 1 }) },
      { label: 'a delete', method: 'DELETE', path: 'resources/notes/2' },
      { label: 'a delete of a missing record', method: 'DELETE', path: 'resources/notes/2' },
      { label: 'the export route (not a record)', method: 'GET', path: 'resources/notes/export' },
      { label: 'a percent-encoded id', method: 'GET', path: 'resources/notes/%31' },
    ];
    for (const c of cases) {
      const viaChannel = await observeRecord(channel, name, c);
      const viaHttp = await observeRecord(http, name, c);
      expect({ case: c.label, ...viaChannel }).toEqual({ case: c.label, ...viaHttp });
    }
    // The writes were made once each, with their history.
    const rows = await channel.client.db(name).select('SELECT id, title, stars FROM notes ORDER BY id');
    expect(rows).toEqual([{ id: 1, title: 'first', stars: 5 }]);
    expect(rows).toEqual(await http.client.db(name).select('SELECT id, title, stars FROM notes ORDER BY id'));
    const history = await channel.client.request<{ data: { op: string }[] }>('GET', `/api/db/${name}/resources/notes/1/history`);
    expect(history.data.map((event) => event.op)).toEqual(['create', 'update']);
  });

  it("answers a database's end users on records as the HTTP path does: their token, anonymous, their permissions", async () => {
    const yaml =
      'resource: memos\nfields:\n  id:\n    type: primary_key\n  text:\n    type: string\n    required: true\n' +
      'permissions:\n  list: public\n  read: public\n  create: authenticated\n  update: authenticated\n  delete: admin_only\n';
    const tokens: string[] = [];
    for (const gw of [channel, http]) {
      await gw.client.db(name).applySchema(yaml);
      const session = await gw.client.withApiKey(undefined).db(name).signUp('reader@example.com', 'a long enough passphrase');
      tokens.push(session.access_token);
    }
    // The two gateways' tokens differ: each case names the token by its place, and is sent with that gateway's own.
    const cases: (RecordCase & { as: 'user' | 'anonymous' | 'bad token' })[] = [
      { as: 'anonymous', label: 'an anonymous create', method: 'POST', path: 'resources/memos', body: JSON.stringify({ text: 'hi' }) },
      { as: 'user', label: "a user's create", method: 'POST', path: 'resources/memos', body: JSON.stringify({ text: 'mine' }) },
      { as: 'anonymous', label: 'an anonymous read', method: 'GET', path: 'resources/memos/1' },
      { as: 'user', label: "a user's update", method: 'PATCH', path: 'resources/memos/1', body: JSON.stringify({ text: 'changed' }) },
      { as: 'user', label: "a user's delete (admin only)", method: 'DELETE', path: 'resources/memos/1' },
      { as: 'bad token', label: 'a bad token', method: 'GET', path: 'resources/memos/1' },
      { as: 'user', label: "a user's read of a missing record", method: 'GET', path: 'resources/memos/9' },
      { as: 'user', label: "a user's create with a bad body", method: 'POST', path: 'resources/memos', body: JSON.stringify({}) },
    ];
    for (const c of cases) {
      const authorization = (i: number) => (c.as === 'user' ? `Bearer ${tokens[i]}` : c.as === 'bad token' ? 'Bearer dbu_not-a-token' : '');
      const viaChannel = await observeRecord(channel, name, { ...c, authorization: authorization(0) });
      const viaHttp = await observeRecord(http, name, { ...c, authorization: authorization(1) });
      expect({ case: c.label, ...viaChannel }).toEqual({ case: c.label, ...viaHttp });
    }
    expect(await channel.client.db(name).select('SELECT id, text FROM memos')).toEqual([{ id: 1, text: 'changed' }]);
  });

  it('runs each write exactly once, also under concurrency', async () => {
    const db = channel.client.db(name);
    await db.execute('CREATE TABLE hits (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL)');
    await Promise.all(Array.from({ length: 200 }, (_, n) => db.execute('INSERT INTO hits (n) VALUES (?)', [n])));
    await db.batch([{ sql: 'INSERT INTO hits (n) VALUES (1000)' }, { sql: 'INSERT INTO hits (n) VALUES (1001)' }]);
    expect(await db.select('SELECT count(*) AS rows, count(DISTINCT n) AS distinct_n FROM hits')).toEqual([{ rows: 202, distinct_n: 202 }]);
    expect(channel.output()).not.toMatch(/already sent/i);
  });

  it('answers 404 for a database that does not exist and 413 for a body over the limit', async () => {
    for (const gw of [channel, http]) {
      const missing = await fetch(`${gw.url}/api/db/no-such-db/query`, {
        method: 'POST',
        headers: { 'x-api-key': gw.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ sql: 'SELECT 1' }),
      });
      expect(missing.status).toBe(404);
      const large = await fetch(`${gw.url}/api/db/${name}/query`, {
        method: 'POST',
        headers: { 'x-api-key': gw.apiKey, 'content-type': 'application/json' },
        // Small enough for the channel, over this gateway's limit (32 KiB).
        body: JSON.stringify({ sql: 'SELECT ?', params: ['x'.repeat(40 * 1024)] }),
      });
      expect(large.status).toBe(413);
      expect(((await large.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    }
  });
});
