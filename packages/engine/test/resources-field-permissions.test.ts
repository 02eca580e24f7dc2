import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ResourceEngine, type Actor, type DatabaseAdapter, type RequestContext } from '../src/index.js';
import { failure, open, tempDir } from './helpers.js';

// Field- and record-level permissions on the paths a review found open: replace (PUT), file routes, rules on personal
// data, and the events the realtime feed hands end users.

const ada: Actor = { id: 'u-ada', roles: ['user'], kind: 'user' };
const bob: Actor = { id: 'u-bob', roles: ['user'], kind: 'user' };
const platform: Actor = { id: 'key:1', roles: ['admin'], kind: 'platform' };
const ctx = (actor: Actor): RequestContext => ({ actor, hooks: new Set(), fingerprint: 'f', requestId: 'r' });

/** The database of the engine `engineWith` made last. */
let lastDb: DatabaseAdapter;

async function engineWith(yaml: string): Promise<ResourceEngine> {
  const dir = tempDir();
  const db = await open('sqlite');
  lastDb = db;
  const engine = await ResourceEngine.open(db, { database: 't', dataDir: dir });
  await engine.apply(yaml);
  return engine;
}


async function text(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('field permissions', () => {
  it('keeps the fields a caller may not set or see when they replace a record', async () => {
    const engine = await engineWith(`
resource: accounts
fields:
  id: {type: primary_key}
  name: {type: string}
  credits: {type: integer, default: 100, permissions: {write: admin}}
  secret_note: {type: string, default: 'none', permissions: {read: admin, write: admin}}
  owner: {type: string, auto_user_add: true}
permissions:
  create: authenticated
  read: owner
  update: owner
`);
    await engine.create('accounts', { name: 'a' }, ctx(ada));
    await engine.update('accounts', '1', { credits: 0, secret_note: 'flagged' }, true, ctx(platform));
    expect((await failure(engine.update('accounts', '1', { credits: 999 }, true, ctx(ada)))).code).toBe('FORBIDDEN');
    const replaced = await engine.update('accounts', '1', { name: 'a2' }, false, ctx(ada));
    expect(replaced.value).toMatchObject({ name: 'a2', credits: 0 });
    expect(replaced.value).not.toHaveProperty('secret_note');
    expect(await engine.getRecord('accounts', '1', platform)).toMatchObject({ name: 'a2', credits: 0, secret_note: 'flagged' });
  });

  it("applies a file field's read and write permissions to its download, upload and removal, and its replies", async () => {
    const engine = await engineWith(`
resource: docs
fields:
  id: {type: primary_key}
  title: {type: string}
  salary: {type: integer, permissions: {read: admin}}
  avatar: {type: file}
  scan: {type: file, permissions: {read: admin, write: admin}}
permissions:
  create: authenticated
  read: public
  update: authenticated
`);
    await engine.create('docs', { title: 'd', salary: 5 }, ctx(platform));
    await engine.uploadFile('docs', '1', 'scan', Readable.from([Buffer.from('TOP SECRET')]), { contentType: 'text/plain', filename: 's.txt' }, ctx(platform));
    // bob may read the record, not its scan: the download is refused as if there were no file.
    await engine.authorize('docs', '1', 'read', bob);
    expect((await failure(engine.authorize('docs', '1', 'read', bob, 'scan'))).code).toBe('NOT_FOUND');
    expect((await failure(engine.authorize('docs', '1', 'update', bob, 'scan'))).code).toBe('NOT_FOUND');
    // A field he may read but not write: refused naming it.
    const writeOnly = await engineWith(`
resource: docs
fields:
  id: {type: primary_key}
  scan: {type: file, permissions: {write: admin}}
permissions:
  create: authenticated
  read: public
  update: authenticated
`);
    await writeOnly.create('docs', {}, ctx(platform));
    const refused = await failure(writeOnly.authorize('docs', '1', 'update', bob, 'scan'));
    expect([refused.code, refused.message]).toEqual(['FORBIDDEN', expect.stringContaining('scan')]);
    // The reply to his own upload leaves out what he may not read.
    await engine.authorize('docs', '1', 'update', bob, 'avatar');
    const uploaded = await engine.uploadFile('docs', '1', 'avatar', Readable.from([Buffer.from('me')]), { contentType: 'image/png', filename: 'a.png' }, ctx(bob));
    expect(uploaded.value).toMatchObject({ title: 'd' });
    expect(uploaded.value).not.toHaveProperty('salary');
    expect(uploaded.value).not.toHaveProperty('scan');
    const removed = await engine.deleteFile('docs', '1', 'avatar', ctx(bob));
    expect(removed.value).not.toHaveProperty('salary');
    // The platform still gets the file.
    expect(await text((await engine.downloadFile('docs', '1', 'scan')).stream)).toBe('TOP SECRET');
  });
});

describe('rules on personal data', () => {
  const yaml = (rules: string) => `
resource: patients
fields:
  id: {type: primary_key}
  notes: {type: string}
  ward: {type: string, security: {pii: true}}
permissions:
  create: authenticated
${rules}
`;

  it('decides an update on the stored values in clear, not on their sealed copies', async () => {
    const engine = await engineWith(yaml(`  read: authenticated\n  update: "ward != 'psychiatric'"\n  delete: "ward != 'psychiatric'"`));
    await engine.create('patients', { notes: 'x', ward: 'psychiatric' }, ctx(platform));
    expect((await failure(engine.update('patients', '1', { notes: 'changed' }, true, ctx(ada)))).code).toBe('FORBIDDEN');
    expect((await failure(engine.remove('patients', '1', ctx(ada)))).code).toBe('FORBIDDEN');
    await engine.create('patients', { notes: 'y', ward: 'general' }, ctx(platform));
    expect((await engine.update('patients', '2', { notes: 'changed' }, true, ctx(ada))).value).toMatchObject({ notes: 'changed' });
  });

  it('hands the realtime feed an event only for a record the caller may read, decided in clear', async () => {
    const engine = await engineWith(yaml(`  read: "ward != 'psychiatric'"`));
    await engine.create('patients', { notes: 'diagnosis: secret', ward: 'psychiatric' }, ctx(platform));
    await engine.create('patients', { notes: 'a cold', ward: 'general' }, ctx(platform));
    const events = (await engine.events.list({ table: 'patients', limit: 10 })).data;
    const seen = events.map((event) => engine.eventFor(engine.presentEvent(event), ada)?.after?.notes ?? null);
    expect(seen).toEqual([null, 'a cold']);
  });
});

describe('the realtime feed', () => {
  it("leaves out the state before a change when the caller couldn't read it", async () => {
    const engine = await engineWith(`
resource: posts
fields:
  id: {type: primary_key}
  title: {type: string}
  status: {type: select, options: [draft, published], default: draft}
  author: {type: string, auto_user_add: true}
permissions:
  create: authenticated
  read: {published: public, draft: owner}
  update: owner
`);
    await engine.create('posts', { title: 'Secret merger with ACME' }, ctx(ada));
    await engine.update('posts', '1', { title: 'Announcement', status: 'published' }, true, ctx(ada));
    const events = (await engine.events.list({ table: 'posts', limit: 10 })).data.map((e) => engine.presentEvent(e));
    expect(engine.eventFor(events[0]!, bob)).toBeNull();
    const published = engine.eventFor(events[1]!, bob);
    expect(published).toMatchObject({ op: 'update', before: null, after: { title: 'Announcement' } });
    // The author could read both states.
    expect(engine.eventFor(events[1]!, ada)).toMatchObject({ before: { title: 'Secret merger with ACME' } });
  });
});

describe('values and messages', () => {
  it('hashes whatever a client sends as a password, a string shaped like a hash included', async () => {
    const engine = await engineWith(`
resource: docs
fields:
  id: {type: primary_key}
  pin: {type: password, min_length: 8}
permissions:
  create: public
`);
    const literal = '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG';
    await engine.create('docs', { pin: literal }, ctx(platform));
    const stored = await lastDb.read('SELECT pin FROM docs');
    expect(stored[0]!.pin).toMatch(/^\$argon2id\$/);
    expect(stored[0]!.pin).not.toBe(literal);
  });

  it('leaves personal data out of a uniqueness conflict, and names other values', async () => {
    const engine = await engineWith(`
resource: people
fields:
  id: {type: primary_key}
  email: {type: email, unique: true, security: {pii: true}}
  handle: {type: string, unique: true}
`);
    await engine.create('people', { email: 'ada@example.com', handle: 'ada' }, ctx(platform));
    const pii = await failure(engine.create('people', { email: 'ada@example.com', handle: 'other' }, ctx(platform)));
    expect(pii.code).toBe('CONFLICT');
    expect(pii.message).not.toContain('ada@example.com');
    expect(JSON.stringify(pii.details)).not.toContain('ada@example.com');
    const plain = await failure(engine.create('people', { email: 'b@example.com', handle: 'ada' }, ctx(platform)));
    expect(plain.message).toContain("'ada'");
  });

  it('checks the day of a timestamp as written, whatever its offset', async () => {
    const engine = await engineWith(`
resource: events
fields:
  id: {type: primary_key}
  at: {type: timestamp}
`);
    expect((await failure(engine.create('events', { at: '2025-02-30T10:00:00+01:00' }, ctx(platform)))).code).toBe('VALIDATION_ERROR');
    expect((await engine.create('events', { at: '2025-02-28T23:30:00-01:00' }, ctx(platform))).value).toMatchObject({ at: '2025-03-01T00:30:00.000Z' });
  });

  it('treats field names that are members of every object like any other', async () => {
    const engine = await engineWith(`
resource: odd
fields:
  id: {type: primary_key}
  constructor: {type: string, required: true}
`);
    expect((await failure(engine.create('odd', {}, ctx(platform)))).code).toBe('VALIDATION_ERROR');
    expect((await engine.create('odd', { constructor: 'x' }, ctx(platform))).value).toMatchObject({ constructor: 'x' });
  });

  it("quotes exported text that a spreadsheet would run as a formula, and leaves numbers alone", async () => {
    const engine = await engineWith(`
resource: rows
fields:
  id: {type: primary_key}
  note: {type: string}
  amount: {type: integer}
`);
    await engine.create('rows', { note: '=HYPERLINK("http://evil.example","x")', amount: -5 }, ctx(platform));
    await engine.create('rows', { note: 'plain', amount: 3 }, ctx(platform));
    const csv = await engine.exportRecords('rows', {}, 'csv');
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(csv).toContain(',-5');
    expect(csv).toContain('plain,3');
  });
});
