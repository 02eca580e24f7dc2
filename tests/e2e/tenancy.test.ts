import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DbForgeClient } from '@dbforge/client';
import { RUNTIMES, removeTempDirs, startGateway, stopAllGateways, uniqueName, type RunningGateway } from '../support/gateway.js';

afterAll(async () => {
  await stopAllGateways();
  removeTempDirs();
});

interface Created {
  key: { id: string; scope: string; database: string | null; prefix: string };
  secret: string;
}

async function createKey(admin: DbForgeClient, tenant: string, body: Record<string, unknown>): Promise<Created> {
  return admin.request<Created>('POST', `/admin/tenants/${tenant}/keys`, { body: { name: 'test', ...body } });
}

async function login(gw: RunningGateway, email: string, password: string): Promise<DbForgeClient> {
  const tokens = await gw.client.withApiKey(undefined).request<{ access_token: string }>('POST', '/auth/login', { body: { email, password } });
  return new DbForgeClient({ baseUrl: gw.url, headers: { authorization: `Bearer ${tokens.access_token}` } });
}

describe.each(RUNTIMES)('tenants and access (%s runtime)', (runtime) => {
  let gw: RunningGateway;
  let admin: DbForgeClient;
  const a = `a-${uniqueName('t')}`;
  const b = `b-${uniqueName('t')}`;
  const aDb = uniqueName('adb');
  let aKey: string;
  let bKey: string;
  let bUser: DbForgeClient;

  beforeAll(async () => {
    // Streams re-check their caller every second (the default is 15 s), so that a revoked key's are seen to end.
    gw = await startGateway({ runtime, env: { DBFORGE_STREAM_RECHECK_SECONDS: '1' } });
    admin = gw.client;
    for (const id of [a, b]) await admin.request('POST', '/admin/tenants', { body: { id, name: `Tenant ${id}` } });
    aKey = (await createKey(admin, a, { scope: 'admin' })).secret;
    bKey = (await createKey(admin, b, { scope: 'admin' })).secret;
    await admin.request('PUT', `/admin/tenants/${b}/members`, { body: { email: `owner@${b}.example.com`, role: 'owner', password: 'b owner passphrase' } });
    bUser = await login(gw, `owner@${b}.example.com`, 'b owner passphrase');
    const aClient = admin.withApiKey(aKey);
    expect((await aClient.spawnDatabase(aDb)).created).toBe(true);
    await aClient.db(aDb).execute('CREATE TABLE secrets (id INTEGER PRIMARY KEY, v TEXT)');
    await aClient.db(aDb).execute("INSERT INTO secrets (v) VALUES ('tenant a only')");
  });

  it("answers another tenant's database exactly as one that does not exist, on every route that names a database", async () => {
    const ghost = uniqueName('ghost');
    const routes = (name: string): [string, string, unknown?][] => [
      ['GET', `/admin/databases/${name}`],
      ['POST', `/admin/databases/prune/${name}`],
      ['DELETE', `/admin/databases/${name}`],
      ['PATCH', `/admin/databases/${name}`, { statement_timeout_ms: 1000 }],
      ['GET', `/admin/databases/${name}/logs`],
      ['GET', `/admin/databases/${name}/stats`],
      ['GET', `/admin/databases/${name}/webhooks`],
      ['PUT', `/admin/databases/${name}/webhooks/on_create`, { url: 'http://127.0.0.1:1/hook' }],
      ['POST', `/api/db/${name}/query`, { sql: 'SELECT * FROM secrets' }],
      ['POST', `/api/db/${name}/batch`, { statements: [{ sql: 'SELECT 1' }] }],
      ['GET', `/api/db/${name}/tables`],
      ['POST', `/api/db/${name}/tables`, { table_name: 't', columns: [{ name: 'a', type: 'TEXT' }] }],
      ['GET', `/api/db/${name}/tables/secrets`],
      ['GET', `/api/db/${name}/tables/secrets/rows`],
      ['POST', `/api/db/${name}/tables/secrets/rows`, { rows: [{ v: 'x' }] }],
      ['GET', `/api/db/${name}/schema`],
      ['GET', `/api/db/${name}/resources/anything`],
      ['GET', `/api/db/${name}/anything/else`],
      ['PUT', `/api/db/${name}/schema`, 'resource: x\nfields:\n  a: {type: string}\n'],
      ['DELETE', `/api/db/${name}/schema/anything`],
      ['GET', `/api/db/${name}/capabilities`],
      ['GET', `/api/db/${name}/openapi.json`],
      ['GET', `/api/db/${name}/resources`],
      ['GET', `/api/db/${name}/resources/anything/export`],
      ['GET', `/api/db/${name}/resources/anything/1/history`],
      ['GET', `/api/db/${name}/events`],
      ['GET', `/api/db/${name}/events/stream`],
      ['POST', `/api/db/${name}/events/1/revert`],
      ['GET', `/api/db/${name}/realtime`],
      ['POST', `/api/db/${name}/auth/login`, { email: 'a@example.com', password: 'whatever it is' }],
      ['GET', `/api/db/${name}/auth/users`],
      ['DELETE', `/api/db/${name}/auth/users/someone`],
    ];
    for (const outsider of [admin.withApiKey(bKey), bUser]) {
      const real = routes(aDb);
      const none = routes(ghost);
      for (let i = 0; i < real.length; i++) {
        const [method, path, body] = real[i]!;
        const theirs = await outsider.raw(method, path, body === undefined ? {} : { body });
        const nothing = await outsider.raw(none[i]![0], none[i]![1], body === undefined ? {} : { body });
        expect(theirs.status, `${method} ${path}`).toBe(404);
        expect(theirs.body, `${method} ${path}`).toEqual(nothing.body);
      }
    }
    // And the data is untouched.
    expect(await admin.withApiKey(aKey).db(aDb).select('SELECT v FROM secrets')).toEqual([{ v: 'tenant a only' }]);
  });

  it('judges a request by the route it reaches, however its URL is spelled', async () => {
    const anonymous = admin.withApiKey(undefined);
    await admin.withApiKey(aKey).db(aDb).applySchema('resource: notes\nfields:\n  body: {type: string}\npermissions:\n  read: owner\n');
    const note = await admin.withApiKey(aKey).db(aDb).resource('notes').create({ body: 'private' });
    for (const path of [
      `/%61pi/db/${aDb}/tables`,
      `/api/db/${aDb}/tabl%65s/secrets/rows`,
      `/api/db/${aDb}/%73chema`,
      `/api/db/${aDb}/resources/notes/expor%74`,
      `/api/db/${aDb}/resources/notes/${String(note.id)}?as%5Fof=2100-01-01T00:00:00Z`,
      `/api/db/${aDb}/resources/notes/${String(note.id)}?as_of=2100-01-01T00:00:00Z`,
      `/api/db/${aDb}/resources/notes/${String(note.id)}/histor%79`,
      `/api/db/${aDb}/event%73`,
    ]) {
      const reply = await anonymous.raw('GET', path);
      expect(reply.status, path).toBe(401);
      expect(JSON.stringify(reply.body), path).not.toContain('private');
      expect(JSON.stringify(reply.body), path).not.toContain('tenant a only');
    }
  });

  it('keeps database keys out of their tenant, and account creation with the platform admin', async () => {
    const dbKey = admin.withApiKey((await createKey(admin, a, { scope: 'admin', database: aDb })).secret);
    expect((await dbKey.raw('GET', `/admin/tenants/${a}`)).status).toBe(404);
    expect((await dbKey.raw('GET', `/admin/tenants/${a}/members`)).status).toBe(404);
    expect((await dbKey.raw('GET', '/admin/tenants')).body).toEqual([]);
    // An owner can't create an account (they would hold its password); the admin can't overwrite one's password.
    const owner = admin.withApiKey(bKey);
    const made = await owner.raw('PUT', `/admin/tenants/${b}/members`, { body: { email: `victim@${a}.example.com`, role: 'viewer', password: 'the attacker knows this' } });
    expect(made.status).toBe(403);
    await admin.createUser({ email: `victim@${a}.example.com`, password: 'the victim chose this' });
    const reset = await admin.raw('PUT', `/admin/tenants/${a}/members`, { body: { email: `victim@${a}.example.com`, role: 'viewer', password: 'another password' } });
    expect(reset.status).toBe(409);
    expect((await owner.putMember(b, { email: `victim@${a}.example.com`, role: 'viewer' })).role).toBe('viewer');
    await expect(admin.withApiKey(undefined).login(`victim@${a}.example.com`, 'another password')).rejects.toMatchObject({ status: 401 });
  });

  it("lists only the caller's own databases and tenants", async () => {
    const bDb = uniqueName('bdb');
    await admin.withApiKey(bKey).spawnDatabase(bDb);
    const seenByB = (await admin.withApiKey(bKey).listDatabases()).map((d) => d.name);
    expect(seenByB).toContain(bDb);
    expect(seenByB).not.toContain(aDb);
    expect((await admin.withApiKey(bKey).getDatabase(bDb)).tenant).toBe(b);
    const tenants = await bUser.request<{ id: string }[]>('GET', '/admin/tenants');
    expect(tenants.map((t) => t.id)).toEqual([b]);
    const all = (await admin.listDatabases()).map((d) => d.name);
    expect(all).toEqual(expect.arrayContaining([aDb, bDb]));
    // A name another tenant uses is taken; nothing else is said about it.
    const taken = await admin.withApiKey(bKey).raw('POST', `/admin/databases/spawn/${aDb}`);
    expect(taken.status).toBe(409);
    expect((taken.body as { detail: string }).detail).toBe(`The database name '${aDb}' is taken; choose another.`);
  });

  it.each([
    'INSERT INTO secrets (v) VALUES (1)',
    'WITH x AS (SELECT 1 AS n) INSERT INTO secrets (v) SELECT n FROM x',
    'INSERT INTO secrets (v) VALUES (2) RETURNING id',
    'UPDATE secrets SET v = v',
    'DELETE FROM secrets',
    'PRAGMA user_version = 7',
    'CREATE TABLE more (a)',
    'DROP TABLE secrets',
  ])('refuses a read-only key any statement that would write: %s', async (sql) => {
    const readOnly = admin.withApiKey((await createKey(admin, a, { scope: 'read_only' })).secret);
    const reply = await readOnly.raw('POST', `/api/db/${aDb}/query`, { body: { sql } });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const batch = await readOnly.raw('POST', `/api/db/${aDb}/batch`, { body: { statements: [{ sql: 'SELECT 1' }, { sql }] } });
    expect(batch.status).toBe(403);
    expect(await readOnly.db(aDb).select('SELECT count(*) AS n FROM secrets')).toEqual([{ n: 1 }]);
  });

  it("ends a revoked key's realtime connection and event stream, and keeps the others", async () => {
    const doomed = await createKey(admin, a, { scope: 'read_only', database: aDb });
    const kept = await createKey(admin, a, { scope: 'read_only', database: aDb });
    const wsUrl = `${gw.url.replace('http', 'ws')}/api/db/${aDb}/realtime?table=secrets`;
    const open = (key: string) =>
      new Promise<{ socket: WebSocket; closed: Promise<number> }>((resolve, reject) => {
        const socket = new WebSocket(wsUrl, { headers: { 'x-api-key': key }, perMessageDeflate: false });
        const closed = new Promise<number>((done) => socket.once('close', (code) => done(code)));
        socket.on('message', (data) => {
          if ((JSON.parse(String(data)) as { type: string }).type === 'ready') resolve({ socket, closed });
        });
        socket.once('error', reject);
      });
    const [doomedSocket, keptSocket] = [await open(doomed.secret), await open(kept.secret)];
    const stream = await fetch(`${gw.url}/api/db/${aDb}/events/stream`, { headers: { 'x-api-key': doomed.secret } });
    expect(stream.status).toBe(200);
    const streamEnded = (async () => {
      const reader = stream.body!.getReader();
      try {
        while (!(await reader.read()).done);
      } catch {
        // An aborted stream ends it too.
      }
      return true;
    })();

    await admin.request('DELETE', `/admin/tenants/${a}/keys/${doomed.key.id}`);
    const within = <T>(promise: Promise<T>) => Promise.race([promise, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 8000))]);
    expect(await within(doomedSocket.closed)).toBe(4401);
    expect(await within(streamEnded)).toBe(true);
    expect(keptSocket.socket.readyState).toBe(WebSocket.OPEN);
    keptSocket.socket.close();
  });

  it('lets read-only keys and viewers read, and refuses them every write route', async () => {
    await admin.request('PUT', `/admin/tenants/${a}/members`, { body: { email: `viewer@${a}.example.com`, role: 'viewer', password: 'a viewer passphrase' } });
    const viewer = await login(gw, `viewer@${a}.example.com`, 'a viewer passphrase');
    const readOnly = admin.withApiKey((await createKey(admin, a, { scope: 'read_only', database: aDb })).secret);
    await admin.db(aDb).applySchema('resource: memos\nfields:\n  id:\n    type: primary_key\n  text:\n    type: string\n');
    const memo = await admin.request<{ id: number }>('POST', `/api/db/${aDb}/resources/memos`, { body: { text: 'kept' } });
    for (const reader of [viewer, readOnly]) {
      expect(await reader.db(aDb).select('SELECT v FROM secrets')).toEqual([{ v: 'tenant a only' }]);
      expect((await reader.db(aDb).selectRows('secrets')).data).toHaveLength(1);
      expect(await reader.request('GET', `/api/db/${aDb}/resources/memos/${memo.id}`)).toEqual({ id: memo.id, text: 'kept' });
      for (const [method, path, body] of [
        ['POST', `/api/db/${aDb}/resources/memos`, { text: 'x' }],
        ['PATCH', `/api/db/${aDb}/resources/memos/${memo.id}`, { text: 'x' }],
        ['PUT', `/api/db/${aDb}/resources/memos/${memo.id}`, { text: 'x' }],
        ['DELETE', `/api/db/${aDb}/resources/memos/${memo.id}`, undefined],
        ['POST', `/api/db/${aDb}/tables`, { table_name: 'x', columns: [{ name: 'a', type: 'TEXT' }] }],
        ['POST', `/api/db/${aDb}/tables/secrets/rows`, { rows: [{ v: 'x' }] }],
        ['PUT', `/api/db/${aDb}/schema`, undefined],
        ['POST', `/admin/databases/prune/${aDb}`, undefined],
        ['PATCH', `/admin/databases/${aDb}`, { max_result_rows: 5 }],
      ] as const) {
        const reply = await reader.raw(method, path, body === undefined ? {} : { body });
        expect(reply.status, `${method} ${path}`).toBe(403);
      }
      expect(await admin.db(aDb).select('SELECT id, text FROM memos')).toEqual([{ id: memo.id, text: 'kept' }]);
      // Nor can they change how the shared connection behaves for everyone else.
      for (const sql of ['PRAGMA foreign_keys = OFF', 'PRAGMA ignore_check_constraints = ON']) {
        expect((await reader.raw('POST', `/api/db/${aDb}/query`, { body: { sql } })).status, sql).toBe(403);
      }
    }
  });

  it('lets a key that expires create only keys that expire no later', async () => {
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const expiring = admin.withApiKey((await createKey(admin, a, { scope: 'admin', expires_at: soon })).secret);
    const forever = await expiring.raw('POST', `/admin/tenants/${a}/keys`, { body: { name: 'forever', scope: 'read_only' } });
    expect(forever.status).toBe(403);
    const later = new Date(Date.now() + 7_200_000).toISOString();
    expect((await expiring.raw('POST', `/admin/tenants/${a}/keys`, { body: { name: 'later', scope: 'read_only', expires_at: later } })).status).toBe(403);
    const sooner = new Date(Date.now() + 600_000).toISOString();
    expect((await expiring.raw('POST', `/admin/tenants/${a}/keys`, { body: { name: 'sooner', scope: 'read_only', expires_at: sooner } })).status).toBe(201);
  });

  it('gives each role what it should: developers build, owners also manage people, keys and deletions', async () => {
    await admin.request('PUT', `/admin/tenants/${a}/members`, { body: { email: `dev@${a}.example.com`, role: 'developer', password: 'a developer passphrase' } });
    const developer = await login(gw, `dev@${a}.example.com`, 'a developer passphrase');
    const devDb = uniqueName('dev');
    expect((await developer.spawnDatabase(devDb)).created).toBe(true);
    await developer.db(devDb).execute('CREATE TABLE t (v TEXT)');
    expect((await developer.raw('POST', `/admin/databases/prune/${devDb}`)).status).toBe(403);
    expect((await developer.raw('GET', `/admin/tenants/${a}/keys`)).status).toBe(403);
    expect((await developer.raw('PUT', `/admin/tenants/${a}/members`, { body: { email: 'x@example.com', role: 'viewer', password: 'long enough pass' } })).status).toBe(403);
    expect((await developer.raw('POST', '/admin/tenants', { body: { id: 'nope', name: 'Nope' } })).status).toBe(403);
    await admin.withApiKey(aKey).pruneDatabase(devDb);
  });

  it('shows a key once, lists it without its secret, and refuses it once revoked or expired', async () => {
    const created = await createKey(admin, a, { scope: 'read_write', name: 'ci' });
    expect(created.secret).toMatch(/^dbf_[a-z0-9]{12}_/);
    const listed = await admin.request<Record<string, unknown>[]>('GET', `/admin/tenants/${a}/keys`);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(listed.find((k) => k.id === created.key.id)).toMatchObject({ scope: 'read_write', prefix: created.secret.slice(0, 20), revoked_at: null });
    const user = admin.withApiKey(created.secret);
    expect((await user.raw('GET', `/api/db/${aDb}/tables`)).status).toBe(200);
    expect((await user.raw('GET', `/api/db/${aDb}/tables`, { headers: { authorization: `Bearer ${created.secret}`, 'x-api-key': '' } })).status).toBe(200);
    await admin.request('DELETE', `/admin/tenants/${a}/keys/${created.key.id}`);
    const revoked = await user.raw('GET', `/api/db/${aDb}/tables`);
    expect(revoked).toMatchObject({ status: 401, body: { detail: 'Invalid API Key.' } });
    // Both are in the audit log, with who did them, and the log never holds the secret.
    const created_ = await admin.audit({ action: 'key.create' });
    expect(created_.data.find((e) => e.target === a && e.outcome === 'success')).toMatchObject({ actor: 'admin', status: 201 });
    expect((await admin.audit({ action: 'key.revoke' })).data.find((e) => e.target === created.key.id)).toMatchObject({ actor: 'admin', outcome: 'success' });
    expect(JSON.stringify((await admin.audit({ limit: 1000 })).data)).not.toContain(created.secret);

    const expiring = await createKey(admin, a, { scope: 'read_only', expires_at: new Date(Date.now() + 1500).toISOString() });
    expect((await admin.withApiKey(expiring.secret).raw('GET', `/api/db/${aDb}/tables`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1700));
    expect((await admin.withApiKey(expiring.secret).raw('GET', `/api/db/${aDb}/tables`)).status).toBe(401);
  });

  it('never lets a key mint a stronger one', async () => {
    const rw = admin.withApiKey((await createKey(admin, a, { scope: 'read_write' })).secret);
    expect((await rw.raw('POST', `/admin/tenants/${a}/keys`, { body: { name: 'x', scope: 'admin' } })).status).toBe(403);
  });

  it('signs in with email and password, refreshes once per token, and logs out', async () => {
    await admin.request('POST', '/admin/users', { body: { email: `person@${a}.example.com`, password: 'person passphrase' } });
    await admin.request('PUT', `/admin/tenants/${a}/members`, { body: { email: `person@${a}.example.com`, role: 'developer' } });
    const anonymous = admin.withApiKey(undefined);
    const first = await anonymous.request<{ access_token: string; refresh_token: string; token_type: string; expires_in: number }>('POST', '/auth/login', {
      body: { email: `Person@${a}.example.com`, password: 'person passphrase' },
    });
    expect(first).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const me = await new DbForgeClient({ baseUrl: gw.url, headers: { authorization: `Bearer ${first.access_token}` } }).request('GET', '/auth/me');
    expect(me).toMatchObject({ kind: 'user', email: `person@${a}.example.com`, tenants: [{ id: a, role: 'developer' }] });
    const second = await anonymous.request<{ refresh_token: string }>('POST', '/auth/refresh', { body: { refresh_token: first.refresh_token } });
    expect((await anonymous.raw('POST', '/auth/refresh', { body: { refresh_token: first.refresh_token } })).status).toBe(401);
    expect((await anonymous.raw('POST', '/auth/logout', { body: { refresh_token: second.refresh_token } })).status).toBe(204);
    expect((await anonymous.raw('POST', '/auth/refresh', { body: { refresh_token: second.refresh_token } })).status).toBe(401);
    const forged = await new DbForgeClient({ baseUrl: gw.url, headers: { authorization: `Bearer ${first.access_token.slice(0, -2)}xx` } }).raw('GET', '/admin/databases');
    expect(forged.status).toBe(401);
  });

  it('answers a wrong password and an unknown account alike, and locks a burst of failures out with Retry-After', async () => {
    const anonymous = admin.withApiKey(undefined);
    await admin.request('POST', '/admin/users', { body: { email: `target@${a}.example.com`, password: 'target passphrase' } });
    const wrong = await anonymous.raw('POST', '/auth/login', { body: { email: `target@${a}.example.com`, password: 'not it at all' } });
    const unknown = await anonymous.raw('POST', '/auth/login', { body: { email: `nobody-${a}@example.com`, password: 'not it at all' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    // A burst against one account, existing or not: held back as it arrives (before any password is checked), with
    // Retry-After, and the same answers either way.
    for (const email of [`target@${a}.example.com`, `nobody-else-${a}@example.com`]) {
      const replies = await Promise.all(Array.from({ length: 12 }, () => anonymous.raw('POST', '/auth/login', { body: { email, password: 'guess' } })));
      const statuses = replies.map((r) => r.status);
      expect(statuses.filter((st) => st === 401).length, email).toBeLessThanOrEqual(3);
      expect(statuses.filter((st) => st === 429).length, email).toBeGreaterThanOrEqual(9);
      expect(Number(replies.find((r) => r.status === 429)!.headers.get('retry-after'))).toBeGreaterThan(0);
      if (email.startsWith('target@')) {
        // While the account is held back even its right password waits.
        const locked = await anonymous.raw('POST', '/auth/login', { body: { email, password: 'target passphrase' } });
        expect(locked.status).toBe(429);
      }
    }
    // Other accounts from the same address still sign in.
    expect((await anonymous.raw('POST', '/auth/login', { body: { email: `person@${a}.example.com`, password: 'person passphrase' } })).status).toBe(200);
  });

  it('enforces quotas: databases per tenant, size per database, requests per second', async () => {
    const q = `q-${uniqueName('t')}`;
    await admin.request('POST', '/admin/tenants', { body: { id: q, name: 'Quota', quotas: { max_databases: 1, max_database_bytes: 256 * 1024, requests_per_second: 50 } } });
    const qKey = admin.withApiKey((await createKey(admin, q, { scope: 'admin' })).secret);
    const first = uniqueName('q1');
    await qKey.spawnDatabase(first);
    const second = await qKey.raw('POST', `/admin/databases/spawn/${uniqueName('q2')}`);
    expect(second).toMatchObject({ status: 403, body: { error: { code: 'QUOTA_EXCEEDED' } } });
    await qKey.db(first).execute('CREATE TABLE blobs (b BLOB)');
    const big = await qKey.raw('POST', `/api/db/${first}/query`, { body: { sql: 'INSERT INTO blobs SELECT randomblob(400000)' } });
    expect(big).toMatchObject({ status: 403, body: { error: { code: 'QUOTA_EXCEEDED' } } });
    expect(await qKey.db(first).select('SELECT count(*) AS n FROM blobs')).toEqual([{ n: 0 }]);
    await qKey.db(first).execute('INSERT INTO blobs SELECT randomblob(1000)');
    const replies = await Promise.all(Array.from({ length: 120 }, () => qKey.raw('GET', `/admin/databases/${first}`)));
    const limited = replies.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited[0]!.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
  });
});

describe('abuse limits and headers', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { DBFORGE_RATE_LIMIT_PER_SECOND: '20', DBFORGE_CORS_ORIGINS: 'https://app.example.com' } });
  });

  it('limits requests per key and answers 429 with Retry-After', async () => {
    const replies = await Promise.all(Array.from({ length: 60 }, () => gw.client.raw('GET', '/admin/databases')));
    const limited = replies.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('sends security headers, and CORS only to allowed origins, never a wildcard', async () => {
    const reply = await fetch(`${gw.url}/health`);
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reply.headers.get('x-frame-options')).toBeTruthy();
    const allowed = await fetch(`${gw.url}/admin/databases`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await fetch(`${gw.url}/admin/databases`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses an access token once it has expired, and a refresh brings a working one', async () => {
    const short = await startGateway({ env: { DBFORGE_ACCESS_TOKEN_TTL_SECONDS: '1' } });
    await short.client.createUser({ email: 'brief@example.com', password: 'a brief passphrase' });
    const anonymous = short.client.withApiKey(undefined);
    const tokens = await anonymous.login('brief@example.com', 'a brief passphrase');
    expect(tokens.expires_in).toBe(1);
    expect((await anonymous.withAccessToken(tokens.access_token).whoAmI()).email).toBe('brief@example.com');
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = await anonymous.withAccessToken(tokens.access_token).raw('GET', '/auth/me');
    expect(expired.status).toBe(401);
    const renewed = await anonymous.refreshTokens(tokens.refresh_token);
    expect((await anonymous.withAccessToken(renewed.access_token).whoAmI()).email).toBe('brief@example.com');
    await short.stop();
  });

  it('refuses a wildcard CORS origin at start-up', async () => {
    await expect(startGateway({ env: { DBFORGE_CORS_ORIGINS: '*' } })).rejects.toThrow(/DBFORGE_CORS_ORIGINS/);
  });
});
