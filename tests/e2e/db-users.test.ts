import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbForgeApiError, type DatabaseClient, type DbForgeClient } from '@dbforge/client';
import { RUNTIMES, removeTempDirs, startGateway, stopAllGateways, uniqueName, type RunningGateway } from '../support/gateway.js';

afterAll(async () => {
  await stopAllGateways();
  removeTempDirs();
});

const PASSWORD = 'correct horse battery';

/** The status a call answers (200-family bodies are not needed here). */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (error instanceof DbForgeApiError) return error.status;
    throw error;
  }
}

/** The permission specs under test, each on its own resource with the same fields and the same spec for every operation. */
const SPECS = {
  p_public: 'public',
  p_authenticated: 'authenticated',
  p_owner: 'owner',
  p_owner_or_admin: 'owner_or_admin',
  p_admin_only: 'admin_only',
  p_by_field: '{published: public, draft: owner_or_admin}',
  p_list: '[{role: editor}, {condition: is_published}]',
  p_rule: '"author == user.id || user.role == \'admin\'"',
} as const;
type Spec = keyof typeof SPECS;

function schemaYaml(): string {
  return Object.entries(SPECS)
    .map(
      ([name, spec]) => `resource: ${name}
fields:
  id: {type: primary_key}
  title: {type: string, required: true}
  status: {type: select, options: [published, draft]}
  author: {type: string, auto_user_add: true}
conditions:
  is_published: "status == 'published'"
permissions:
${['list', 'read', 'create', 'update', 'delete'].map((op) => `  ${op}: ${spec}`).join('\n')}
`,
    )
    .join('---\n');
}

type Who = 'anonymous' | 'user' | 'owner' | 'admin' | 'platform';
const WHO: Who[] = ['anonymous', 'user', 'owner', 'admin', 'platform'];

/**
 * Records 1 and 2 belong to the owner (published, draft); 3 and 4 to somebody else (published, draft). The ids each
 * caller may see: reading, updating and deleting follow from the same spec.
 */
const VISIBLE: Record<Spec, Record<Who, number[]>> = {
  p_public: { anonymous: [1, 2, 3, 4], user: [1, 2, 3, 4], owner: [1, 2, 3, 4], admin: [1, 2, 3, 4], platform: [1, 2, 3, 4] },
  p_authenticated: { anonymous: [], user: [1, 2, 3, 4], owner: [1, 2, 3, 4], admin: [1, 2, 3, 4], platform: [1, 2, 3, 4] },
  p_owner: { anonymous: [], user: [], owner: [1, 2], admin: [], platform: [1, 2, 3, 4] },
  p_owner_or_admin: { anonymous: [], user: [], owner: [1, 2], admin: [1, 2, 3, 4], platform: [1, 2, 3, 4] },
  p_admin_only: { anonymous: [], user: [], owner: [], admin: [1, 2, 3, 4], platform: [1, 2, 3, 4] },
  p_by_field: { anonymous: [1, 3], user: [1, 3], owner: [1, 2, 3], admin: [1, 2, 3, 4], platform: [1, 2, 3, 4] },
  p_list: { anonymous: [1, 3], user: [1, 3], owner: [1, 3], admin: [1, 3], platform: [1, 2, 3, 4] },
  p_rule: { anonymous: [], user: [], owner: [1, 2], admin: [1, 2, 3, 4], platform: [1, 2, 3, 4] },
};

/** Whether each caller may create a published and a draft record (a created record is owned by its creator). */
const CREATES: Record<Spec, Record<Who, [published: boolean, draft: boolean]>> = {
  p_public: { anonymous: [true, true], user: [true, true], owner: [true, true], admin: [true, true], platform: [true, true] },
  p_authenticated: { anonymous: [false, false], user: [true, true], owner: [true, true], admin: [true, true], platform: [true, true] },
  p_owner: { anonymous: [false, false], user: [true, true], owner: [true, true], admin: [true, true], platform: [true, true] },
  p_owner_or_admin: { anonymous: [false, false], user: [true, true], owner: [true, true], admin: [true, true], platform: [true, true] },
  p_admin_only: { anonymous: [false, false], user: [false, false], owner: [false, false], admin: [true, true], platform: [true, true] },
  p_by_field: { anonymous: [true, false], user: [true, true], owner: [true, true], admin: [true, true], platform: [true, true] },
  p_list: { anonymous: [true, false], user: [true, false], owner: [true, false], admin: [true, false], platform: [true, true] },
  p_rule: { anonymous: [false, false], user: [true, true], owner: [true, true], admin: [true, true], platform: [true, true] },
};

describe.each(RUNTIMES)("a database's own users (%s runtime)", (runtime) => {
  let gw: RunningGateway;
  let anonymous: DbForgeClient;
  const name = uniqueName('app');
  const other = uniqueName('other');

  beforeAll(async () => {
    gw = await startGateway({ runtime });
    anonymous = gw.client.withApiKey(undefined);
    await gw.client.spawnDatabase(name);
    await gw.client.spawnDatabase(other);
  });

  it('signs up, signs in, answers who is signed in, and signs out for good', async () => {
    const session = await anonymous.db(name).signUp('Sam@Example.com', PASSWORD);
    expect(session.user).toMatchObject({ email: 'sam@example.com', roles: ['user'] });
    expect(session.access_token).toMatch(/^dbu_/);
    const sam = anonymous.withAccessToken(session.access_token).db(name);
    expect((await sam.me()).id).toBe(session.user.id);

    // A second account with the same email is refused; sign-in works with any case of the email.
    expect(await statusOf(anonymous.db(name).signUp('sam@example.com', PASSWORD))).toBe(409);
    const again = await anonymous.db(name).signIn('SAM@example.com', PASSWORD);
    expect(again.user.id).toBe(session.user.id);

    // What the database holds (its resources, its API document) is for its signed-in users, not for anyone.
    expect(await statusOf(anonymous.db(name).listResources())).toBe(401);
    expect(await statusOf(anonymous.db(name).openapi())).toBe(401);
    expect(await statusOf(sam.listResources())).toBe(200);
    expect(await statusOf(sam.openapi())).toBe(200);

    await sam.signOut();
    expect(await statusOf(sam.me())).toBe(401);
    // The other session still works.
    expect((await anonymous.withAccessToken(again.access_token).db(name).me()).email).toBe('sam@example.com');
  });

  it('refuses weak passwords and bad emails with a message per field', async () => {
    const reply = await anonymous.raw('POST', `/api/db/${name}/auth/signup`, { body: { email: 'not-an-email', password: 'short' } });
    expect(reply.status).toBe(422);
    const fields = (reply.body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field).sort();
    expect(fields).toEqual(['body.email', 'body.password']);
  });

  it("makes a database's token worthless on every other database and on the platform's routes", async () => {
    const session = await anonymous.db(name).signUp(`${uniqueName('u')}@example.com`, PASSWORD);
    const token = anonymous.withAccessToken(session.access_token);
    expect(await statusOf(token.db(other).me())).toBe(401);
    expect(await statusOf(token.db(other).listResources())).toBe(401);
    expect(await statusOf(token.db(name).query('SELECT 1'))).toBe(401);
    expect(await statusOf(token.listDatabases())).toBe(401);
    expect(await statusOf(token.db(name).events())).toBe(401);
    // And the database's own routes for administrators stay closed to its users.
    expect(await statusOf(token.db(name).listUsers())).toBe(403);
  });

  it('changes a password: the old one stops working and other sessions end', async () => {
    const email = `${uniqueName('pw')}@example.com`;
    const first = await anonymous.db(name).signUp(email, PASSWORD);
    const second = await anonymous.db(name).signIn(email, PASSWORD);
    const me = anonymous.withAccessToken(first.access_token).db(name);
    expect(await statusOf(me.changePassword('wrong password!', 'a brand new passphrase'))).toBe(401);
    await me.changePassword(PASSWORD, 'a brand new passphrase');
    expect((await me.me()).email).toBe(email);
    expect(await statusOf(anonymous.withAccessToken(second.access_token).db(name).me())).toBe(401);
    expect(await statusOf(anonymous.db(name).signIn(email, PASSWORD))).toBe(401);
    expect((await anonymous.db(name).signIn(email, 'a brand new passphrase')).user.email).toBe(email);
  });

  it('answers a wrong password and an unknown account alike, and locks a burst out with Retry-After', async () => {
    const email = `${uniqueName('lock')}@example.com`;
    await anonymous.db(name).signUp(email, PASSWORD);
    const wrong = await anonymous.raw('POST', `/api/db/${name}/auth/login`, { body: { email, password: 'not the password' } });
    const unknown = await anonymous.raw('POST', `/api/db/${name}/auth/login`, { body: { email: `nobody-${email}`, password: 'not the password' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect((wrong.body as { error: { message: string } }).error.message).toBe((unknown.body as { error: { message: string } }).error.message);

    // The lock starts during the burst, so no earlier than this.
    const burstSent = Date.now();
    const burst = await Promise.all(
      Array.from({ length: 12 }, () => anonymous.raw('POST', `/api/db/${name}/auth/login`, { body: { email, password: 'still not it' } })),
    );
    const locked = burst.filter((r) => r.status === 429);
    expect(locked.length).toBeGreaterThan(0);
    const retryAfter = Number(locked[0]!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    // Locked means locked: the right password is refused too, until the lock ends (a loaded machine may take longer
    // than the lock to send the next request; then, and only then, it is let in).
    const right = await anonymous.raw('POST', `/api/db/${name}/auth/login`, { body: { email, password: PASSWORD } });
    if (Date.now() - burstSent < retryAfter * 1000) expect(right.status).toBe(429);
    else expect([200, 429]).toContain(right.status);
  });

  it("lets the platform list the database's users, set their roles and delete them", async () => {
    const session = await anonymous.db(name).signUp(`${uniqueName('role')}@example.com`, PASSWORD);
    const db = gw.client.db(name);
    expect((await db.listUsers()).map((u) => u.id)).toContain(session.user.id);
    expect((await db.setUserRoles(session.user.id, ['user', 'editor'])).roles).toEqual(['user', 'editor']);
    // A role change takes effect at once, on the token already issued.
    expect((await anonymous.withAccessToken(session.access_token).db(name).me()).roles).toEqual(['user', 'editor']);
    // Through SQL the users can be read (and joined), their password hashes never.
    const viaSql = await db.select('SELECT * FROM _dbforge_users WHERE id = ?', [session.user.id]);
    expect(viaSql).toHaveLength(1);
    expect(JSON.stringify(viaSql)).not.toMatch(/argon2/);
    expect(await statusOf(db.query('SELECT * FROM _dbforge_secret_passwords'))).toBe(403);
    await db.deleteUser(session.user.id);
    expect(await statusOf(anonymous.withAccessToken(session.access_token).db(name).me())).toBe(401);
    expect((await db.listUsers()).map((u) => u.id)).not.toContain(session.user.id);
  });
});

describe('permissions and row rules, for every keyword and every operation (process runtime)', () => {
  let gw: RunningGateway;
  let platform: DatabaseClient;
  const name = uniqueName('perm');
  const as = {} as Record<Who, DatabaseClient>;
  const ids = {} as Record<'user' | 'owner' | 'admin', string>;
  const tokens = {} as Record<'user' | 'owner' | 'admin', string>;

  async function signUp(anonymous: DbForgeClient, who: 'user' | 'owner' | 'admin'): Promise<DatabaseClient> {
    const session = await anonymous.db(name).signUp(`${who}-${uniqueName('p')}@example.com`, PASSWORD);
    ids[who] = session.user.id;
    tokens[who] = session.access_token;
    return anonymous.withAccessToken(session.access_token).db(name);
  }

  /** Puts back the four records of every resource, with their owners, through SQL (as the platform). */
  async function seed(): Promise<void> {
    await platform.batch(
      Object.keys(SPECS).flatMap((table) => [
        { sql: `DELETE FROM ${table}` },
        {
          sql: `INSERT INTO ${table} (id, title, status, author) VALUES (1, 'mine, published', 'published', ?), (2, 'mine, draft', 'draft', ?), (3, 'theirs, published', 'published', 'someone-else'), (4, 'theirs, draft', 'draft', 'someone-else')`,
          params: [ids.owner, ids.owner],
        },
      ]),
    );
  }

  beforeAll(async () => {
    // Short heartbeats: a subscriber's session is re-checked with each one.
    gw = await startGateway({ runtime: 'process', env: { DBFORGE_REALTIME_HEARTBEAT_MS: '500' } });
    await gw.client.spawnDatabase(name);
    platform = gw.client.db(name);
    await platform.applySchema(schemaYaml());
    const anonymous = gw.client.withApiKey(undefined);
    as.anonymous = anonymous.db(name);
    as.user = await signUp(anonymous, 'user');
    as.owner = await signUp(anonymous, 'owner');
    as.admin = await signUp(anonymous, 'admin');
    await platform.setUserRoles(ids.admin, ['admin']);
    as.platform = platform;
    await seed();
  });

  it.each(Object.keys(SPECS) as Spec[])('%s: lists, counts, pages and reads exactly what the rule allows', async (spec) => {
    for (const who of WHO) {
      const expected = VISIBLE[spec][who];
      const listed = await as[who].resource(spec).list({ count: true, sort: 'id' });
      expect(listed.data.map((r) => r.id), `${who} lists`).toEqual(expected);
      expect(listed.total, `${who} counts`).toBe(expected.length);
      // Pages are cut after the rule: the first page of one is the first visible record, and says whether more follow.
      const page = await as[who].resource(spec).list({ limit: 1, sort: 'id' });
      expect(page.data.map((r) => r.id), `${who} pages`).toEqual(expected.slice(0, 1));
      expect(page.has_more, `${who} has more`).toBe(expected.length > 1);
      for (const id of [1, 2, 3, 4]) {
        expect(await statusOf(as[who].resource(spec).get(id)), `${who} reads ${id}`).toBe(expected.includes(id) ? 200 : 404);
      }
    }
  });

  it.each(Object.keys(SPECS) as Spec[])('%s: creates, updates and deletes exactly what the rule allows', async (spec) => {
    const denied = (who: Who) => (who === 'anonymous' ? 401 : 403);
    for (const who of WHO) {
      const [published, draft] = CREATES[spec][who];
      const created = await statusOf(as[who].resource(spec).create({ title: 'new', status: 'published' }));
      expect(created, `${who} creates a published record`).toBe(published ? 200 : denied(who));
      expect(await statusOf(as[who].resource(spec).create({ title: 'new', status: 'draft' })), `${who} creates a draft`).toBe(
        draft ? 200 : denied(who),
      );

      await seed();
      for (const id of [1, 2, 3, 4]) {
        const visible = VISIBLE[spec][who].includes(id);
        expect(await statusOf(as[who].resource(spec).update(id, { title: `changed by ${who}` })), `${who} updates ${id}`).toBe(visible ? 200 : 404);
      }
      for (const id of [1, 2, 3, 4]) {
        const visible = VISIBLE[spec][who].includes(id);
        expect(await statusOf(as[who].resource(spec).delete(id)), `${who} deletes ${id}`).toBe(visible ? 200 : 404);
      }
      // What they could not touch is as it was; what they could is changed or gone.
      const left = await platform.resource(spec).list({ sort: 'id' });
      expect(left.data.map((r) => r.id), `${who} left`).toEqual([1, 2, 3, 4].filter((id) => !VISIBLE[spec][who].includes(id)));
      expect(left.data.every((r) => !String(r.title).startsWith('changed'))).toBe(true);
      await seed();
    }
  });

  it('keeps a record from a user who may read it but not change it: 403, and the record unchanged', async () => {
    await platform.applySchema(`resource: notes
fields:
  id: {type: primary_key}
  body: {type: string}
  author: {type: string, auto_user_add: true}
permissions:
  list: public
  read: public
  create: authenticated
  update: owner
  delete: admin_only
`);
    const note = await as.owner.resource('notes').create({ body: 'mine' });
    expect(await statusOf(as.user.resource('notes').update(note.id as number, { body: 'yours now' }))).toBe(403);
    expect(await statusOf(as.anonymous.resource('notes').update(note.id as number, { body: 'anyone' }))).toBe(401);
    expect(await statusOf(as.owner.resource('notes').delete(note.id as number))).toBe(403);
    expect((await as.anonymous.resource('notes').get(note.id as number)).body).toBe('mine');
    expect(await statusOf(as.admin.resource('notes').delete(note.id as number))).toBe(200);
  });

  it('hides fields the caller may not read, and refuses fields they may not write', async () => {
    await platform.applySchema(`resource: profiles
fields:
  id: {type: primary_key}
  handle: {type: string, required: true}
  salary: {type: integer, permissions: {read: owner_or_admin, write: admin_only}}
  review: {type: string, default: pending, permissions: {read: admin_only}}
  owner: {type: string, auto_user_add: true}
permissions:
  list: public
  read: public
  create: authenticated
  update: owner_or_admin
`);
    // The owner creates a profile; they may not set the salary, only an admin may.
    expect(await statusOf(as.owner.resource('profiles').create({ handle: 'o', salary: 1 }))).toBe(403);
    const mine = await as.owner.resource('profiles').create({ handle: 'o' });
    expect((await as.admin.resource('profiles').update(mine.id as number, { salary: 90_000 })).salary).toBe(90_000);
    expect(await statusOf(as.owner.resource('profiles').update(mine.id as number, { salary: 1_000_000 }))).toBe(403);

    // The owner and the admin see it; another user and anonymous callers get the record without it, in every reply.
    expect((await as.owner.resource('profiles').get(mine.id as number)).salary).toBe(90_000);
    expect((await as.admin.resource('profiles').get(mine.id as number)).salary).toBe(90_000);
    for (const who of ['user', 'anonymous'] as const) {
      const seen = await as[who].resource('profiles').get(mine.id as number);
      expect(seen.handle).toBe('o');
      expect(seen).not.toHaveProperty('salary');
      const listed = await as[who].resource('profiles').list();
      expect(listed.data.find((r) => r.id === mine.id)).not.toHaveProperty('salary');
      // Nor can they learn it by filtering or sorting on it.
      expect(await statusOf(as[who].resource('profiles').list({ 'salary[gte]': 50_000 }))).toBe(403);
      expect(await statusOf(as[who].resource('profiles').list({ sort: 'salary' }))).toBe(403);
    }
    // Replies to writes hide the same fields: the user owns their profile (salary shown) but may not see its review.
    const theirs = await as.user.resource('profiles').create({ handle: 'u' });
    expect(theirs).toHaveProperty('salary', null);
    expect(theirs).not.toHaveProperty('review');
    expect(await as.user.resource('profiles').update(theirs.id as number, { handle: 'u2' })).not.toHaveProperty('review');
    expect((await platform.resource('profiles').get(theirs.id as number)).review).toBe('pending');
    // The platform sees everything.
    expect((await platform.resource('profiles').get(mine.id as number)).salary).toBe(90_000);
  });

  it('fails closed on a named condition that is not defined, with a warning in the schema', async () => {
    const applied = await platform.applySchema(`resource: guarded
fields:
  id: {type: primary_key}
  title: {type: string}
permissions:
  list: [{condition: nowhere_defined}]
  read: [{condition: nowhere_defined}]
`);
    expect(JSON.stringify(applied.warnings)).toMatch(/nowhere_defined/);
    await platform.resource('guarded').create({ title: 'hidden' });
    expect((await as.admin.resource('guarded').list()).data).toEqual([]);
    expect((await platform.resource('guarded').list()).data).toHaveLength(1);
    expect(JSON.stringify((await platform.getResourceSchema('guarded')).warnings)).toMatch(/nowhere_defined/);
  });

  it("points `references: users` and the owner fields at the database's own users", async () => {
    await platform.applySchema(`resource: comments
fields:
  id: {type: primary_key}
  text: {type: string}
  about: {type: foreign_key, references: users}
  author: {type: string, auto_user_add: true}
permissions:
  list: authenticated
  read: authenticated
  create: authenticated
`);
    const comment = await as.user.resource('comments').create({ text: 'hello', about: ids.owner });
    expect(comment).toMatchObject({ about: ids.owner, author: ids.user });
    const bad = await as.user.resource('comments').create({ text: 'hello', about: '00000000-0000-4000-8000-000000000000' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(DbForgeApiError);
    expect((bad as DbForgeApiError).status).toBe(422);
    expect((bad as DbForgeApiError).message).toMatch(/about/);
    // The platform (no database user) may still write records: the owner field records who did it.
    expect((await platform.resource('comments').create({ text: 'from the team', about: ids.user })).author).toBeTruthy();
  });

  it('streams live changes to end users: only the records they may read', async () => {
    let before = 0;
    for (let cursor: string | undefined; ; ) {
      const page = await platform.events({ limit: 1000, ...(cursor ? { cursor } : {}) });
      before = page.data.at(-1)?.id ?? before;
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    // Written through SQL: the triggers record them, with the resource's permissions applied when they are streamed.
    await platform.batch([
      { sql: "INSERT INTO p_by_field (id, title, status, author) VALUES (100, 'theirs', 'published', 'someone-else')" },
      { sql: "INSERT INTO p_by_field (id, title, status, author) VALUES (101, 'mine', 'draft', ?)", params: [ids.owner] },
      { sql: "INSERT INTO p_by_field (id, title, status, author) VALUES (102, 'theirs', 'draft', 'someone-else')" },
      { sql: "INSERT INTO p_by_field (id, title, status, author) VALUES (103, 'the end', 'published', 'someone-else')" },
    ]);
    const expected: Record<Who, string[]> = {
      anonymous: ['100', '103'],
      user: ['100', '103'],
      owner: ['100', '101', '103'],
      admin: ['100', '101', '102', '103'],
      platform: ['100', '101', '102', '103'],
    };
    for (const who of WHO) {
      const seen: string[] = [];
      const controller = new AbortController();
      for await (const message of as[who].streamEvents({ resource: 'p_by_field', lastEventId: before }, controller.signal)) {
        if ('error' in message) throw new Error(JSON.stringify(message.error));
        seen.push(String(message.record_id));
        if (message.record_id === '103') break;
      }
      controller.abort();
      expect(seen, who).toEqual(expected[who]);
    }
  });

  it('authenticates a WebSocket with its first message (browsers send no headers) and hides the fields kept from the user', async () => {
    const url = `${gw.url.replace(/^http/, 'ws')}/api/db/${name}/realtime`;
    const profile = await as.owner.resource('profiles').create({ handle: 'live' });

    const socket = new WebSocket(url, { perMessageDeflate: false });
    const messages: Record<string, unknown>[] = [];
    const next = (type: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const found = messages.find((m) => m.type === type);
        if (found) return resolve(found);
        const timer = setTimeout(() => reject(new Error(`no ${type} message: ${JSON.stringify(messages)}`)), 10_000);
        socket.on('message', () => {
          const hit = messages.find((m) => m.type === type);
          if (hit) {
            clearTimeout(timer);
            resolve(hit);
          }
        });
      });
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'auth', token: tokens.user }));
    socket.send(JSON.stringify({ type: 'subscribe', resource: 'profiles', record: String(profile.id) }));
    expect((await next('authenticated')).user_id).toBe(ids.user);
    await next('ready');

    await as.admin.resource('profiles').update(profile.id as number, { salary: 123_456 });
    const event = (await next('event')).event as { op: string; after: Record<string, unknown> };
    expect(event.op).toBe('update');
    expect(event.after.handle).toBe('live');
    expect(event.after).not.toHaveProperty('salary');
    expect(event.after).not.toHaveProperty('review');
    socket.terminate();

    // A token that is not valid closes the connection with 4401.
    const bad = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((resolve) => bad.once('open', resolve));
    bad.send(JSON.stringify({ type: 'auth', token: 'dbu_not-a-token' }));
    const code = await new Promise<number>((resolve) => bad.once('close', (c) => resolve(c)));
    expect(code).toBe(4401);
  });

  it("closes a database user's realtime connection when their session ends", async () => {
    const anonymous = gw.client.withApiKey(undefined);
    const session = await anonymous.db(name).signUp(`leaver-${uniqueName('p')}@example.com`, PASSWORD);
    const socket = new WebSocket(`${gw.url.replace(/^http/, 'ws')}/api/db/${name}/realtime`, { perMessageDeflate: false });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    const authenticated = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        if ((JSON.parse(String(data)) as { type: string }).type === 'authenticated') resolve();
      }),
    );
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'auth', token: session.access_token }));
    socket.send(JSON.stringify({ type: 'subscribe', resource: 'profiles' }));
    await authenticated;
    await anonymous.withAccessToken(session.access_token).db(name).signOut();
    const code = await Promise.race([closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 5000))]);
    expect(code).toBe(4401);
  });
});
