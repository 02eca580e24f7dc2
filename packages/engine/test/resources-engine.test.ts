import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DbForgeError } from '@dbforge/contracts';
import { ADMIN_ACTOR, HookRequired, ResourceEngine, type RequestContext } from '../src/index.js';
import { open, tempDir } from './helpers.js';

const NOTES = `
resource: notes
fields:
  id: {type: primary_key}
  title: {type: string, required: true, searchable: true}
  rank: {type: integer}
  secret: {type: text, security: {encrypt: true}}
  token: {type: string, security: {protected: true}}
  pin: {type: password}
  owner: {type: string, auto_user_add: true}
  editor: {type: string, auto_user: true}
  at: {type: timestamp, auto_now_add: true}
  file: {type: file, accept: [text/plain], max_size: 16}
hooks:
  before_create: check
  before_update: check
  before_delete: check
  after_create: [notify]
  after_delete: notify
rules:
  before_create:
    - {name: upper, condition: "title == 'shout'", action: set, set: {title: "'SHOUT'"}}
    - {name: managers, condition: "rank > 100", action: require_role, role: manager}
`;

function context(overrides: Partial<RequestContext> = {}): RequestContext {
  return { actor: ADMIN_ACTOR, hooks: new Set(), fingerprint: 'request-1', ...overrides };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe.each(['sqlite', 'duckdb'] as const)('resource engine on %s', (engine) => {
  async function setup(yaml = NOTES) {
    const db = await open(engine);
    const dataDir = tempDir();
    const resources = await ResourceEngine.open(db, { database: 'mine', dataDir });
    await resources.apply(yaml);
    return { db, dataDir, resources };
  }

  it('creates, reads, updates and deletes with magic fields, security and the acting user', async () => {
    const { db, dataDir, resources } = await setup();
    const actor = { id: 'u-7', roles: ['writer'] };
    const { value: note } = await resources.create('notes', { title: 'hi', secret: 'the plan', token: 'tok', pin: '1234' }, context({ actor }));
    expect(note).toEqual({ id: 1, title: 'hi', rank: null, secret: 'the plan', owner: 'u-7', editor: 'u-7', at: expect.any(String), file: null });
    const raw = await db.execute('SELECT secret, token, pin FROM notes');
    const row = (raw as { rows: Record<string, string>[] }).rows[0]!;
    expect(row.secret).toMatch(/^enc:v1:/);
    expect(row.token).toBe('tok');
    expect(row.pin).toMatch(/^\$argon2id\$/);
    // The key lives beside the database, readable by its owner only.
    const keyFile = path.join(dataDir, 'keys', 'fields.key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const { value: edited } = await resources.update('notes', '1', { rank: 3 }, true, context({ actor: { id: 'u-8', roles: [] } }));
    expect(edited).toMatchObject({ owner: 'u-7', editor: 'u-8', rank: 3, secret: 'the plan' });
    // Hidden fields keep their stored value when a replace leaves them out.
    await resources.update('notes', '1', { title: 'hello' }, false, context());
    const kept = (await db.execute('SELECT token, pin, rank FROM notes')) as { rows: Record<string, unknown>[] };
    expect(kept.rows[0]).toMatchObject({ token: 'tok', pin: row.pin, rank: null });
    await resources.remove('notes', '1', context());
    expect(await failure(resources.getRecord('notes', '1'))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('runs rules: set, then require_role (403)', async () => {
    const { resources } = await setup();
    expect((await resources.create('notes', { title: 'shout' }, context())).value.title).toBe('SHOUT');
    expect(await failure(resources.create('notes', { title: 'x', rank: 101 }, context()))).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect((await resources.create('notes', { title: 'x', rank: 101 }, context({ actor: { id: 'm', roles: ['manager'] } }))).value.rank).toBe(101);
  });

  it('asks for before-hooks with a token, commits with a verdict, refuses a replayed or stale one', async () => {
    const { resources } = await setup();
    const hooks = new Set(['check', 'notify']);
    const asked = (await failure(resources.create('notes', { title: 'a' }, context({ hooks })))) as HookRequired;
    expect(asked).toBeInstanceOf(HookRequired);
    expect(asked.calls).toEqual([{ index: 0, hook: 'check', event: 'before_create', resource: 'notes', record: expect.objectContaining({ title: 'a', owner: 'admin' }), old_record: null }]);
    expect((await resources.list('notes', {})).data).toHaveLength(0);
    // The verdict may set fields; the write then commits with an outbox delivery for the after-hook.
    const created = await resources.create('notes', { title: 'a' }, context({ hooks, verdict: { token: asked.token, sets: { 0: { rank: 9 } } } }));
    expect(created).toMatchObject({ value: { title: 'a', rank: 9 }, outboxed: 1 });
    // A token belongs to one request.
    expect(await failure(resources.create('notes', { title: 'b' }, context({ hooks, fingerprint: 'request-2', verdict: { token: asked.token, sets: {} } })))).toMatchObject({ status: 400 });
    // A record that changed after the hooks saw it: 409.
    const update = (await failure(resources.update('notes', '1', { rank: 1 }, true, context({ hooks, fingerprint: 'u' })))) as HookRequired;
    await resources.update('notes', '1', { rank: 2 }, true, context());
    expect(await failure(resources.update('notes', '1', { rank: 1 }, true, context({ hooks, fingerprint: 'u', verdict: { token: update.token, sets: {} } })))).toMatchObject({ status: 409 });
    // Hooks can't set what clients can't.
    const again = (await failure(resources.create('notes', { title: 'c' }, context({ hooks, fingerprint: 'c' })))) as HookRequired;
    expect(await failure(resources.create('notes', { title: 'c' }, context({ hooks, fingerprint: 'c', verdict: { token: again.token, sets: { 0: { owner: 'x' } } } })))).toMatchObject({ code: 'HOOK_FAILED' });
  });

  it('keeps after-hook deliveries in the outbox until they are acknowledged, with retries and dead letters', async () => {
    const { resources } = await setup();
    const hooks = new Set(['notify']);
    await resources.create('notes', { title: 'a' }, context({ hooks }));
    await resources.remove('notes', '1', context({ hooks }));
    const due = await resources.outboxDue(10);
    expect(due.map((d) => [d.hook, d.event, d.record_id])).toEqual([
      ['notify', 'after_create', '1'],
      ['notify', 'after_delete', '1'],
    ]);
    expect(due[1]!.payload).toMatchObject({ record: null, old_record: { title: 'a' }, database: 'mine' });
    await resources.outboxFail(due[0]!.id, 'HTTP 500', new Date(Date.now() + 60_000).toISOString(), false);
    await resources.outboxFail(due[1]!.id, 'HTTP 500', new Date().toISOString(), true);
    expect(await resources.outboxDue(10)).toEqual([]);
    expect(await resources.outboxStats()).toEqual({ pending: 1, dead: 1 });
    await resources.outboxAck([due[0]!.id]);
    expect(await resources.outboxStats()).toEqual({ pending: 0, dead: 1 });
  });

  it('pages with a cursor through a sort with nulls, in both directions', async () => {
    const { resources } = await setup();
    const ranks = [3, null, 1, 3, null, 2];
    for (const [i, rank] of ranks.entries()) await resources.create('notes', { title: `n${i}`, rank }, context());
    for (const sort of ['rank', '-rank', 'rank,-title', '-rank,title']) {
      const all = (await resources.list('notes', { sort, limit: '100' })).data.map((n) => n.title);
      const paged: unknown[] = [];
      let cursor: string | null = null;
      do {
        const page = await resources.list('notes', { sort, limit: '2', ...(cursor ? { cursor } : {}) });
        paged.push(...page.data.map((n) => n.title));
        cursor = page.next_cursor;
      } while (cursor !== null);
      expect(paged).toEqual(all);
    }
    expect((await resources.list('notes', { sort: 'rank' })).data.map((n) => n.rank)).toEqual([1, 2, 3, 3, null, null]);
    expect((await resources.list('notes', { sort: '-rank' })).data.map((n) => n.rank)).toEqual([null, null, 3, 3, 2, 1]);
  });

  it('converts stored values in a table rebuild, and lists those that do not convert', async () => {
    const { resources } = await setup('resource: t\nfields:\n  v: {type: string}\n  gone: {type: text}\n');
    for (const v of ['1', '22', null, 'abc']) await resources.create('t', { v, gone: 'x' }, context());
    const error = await failure(resources.apply('resource: t\nfields:\n  v: {type: integer}\n', { allowDestructive: true }));
    expect(error).toBeInstanceOf(DbForgeError);
    expect((error as DbForgeError).details).toEqual([{ field: 't[4].v', message: "can't become integer: must be an integer" }]);
    expect(resources.get('t')!.fields.find((f) => f.name === 'v')!.type).toBe('string');
    await resources.remove('t', '4', context());
    await resources.apply('resource: t\nfields:\n  v: {type: integer}\n', { allowDestructive: true });
    expect((await resources.list('t', { sort: 'id' })).data).toEqual([{ id: 1, v: 1 }, { id: 2, v: 22 }, { id: 3, v: null }]);
    // Ids keep coming from the database after the rebuild, never the deleted record 4's.
    expect((await resources.create('t', { v: 5 }, context())).value).toEqual({ id: 5, v: 5 });
  });

  it('stores files beside the database, checked against accept and max_size', async () => {
    const { dataDir, resources } = await setup();
    await resources.create('notes', { title: 'with file' }, context());
    const { value } = await resources.uploadFile('notes', '1', 'file', Readable.from([Buffer.from('hello')]), { contentType: 'text/plain', filename: '../x.txt' }, context());
    expect(value.file).toMatchObject({ name: '.._x.txt', size: 5, content_type: 'text/plain' });
    const files = fs.readdirSync(path.join(dataDir, 'files', 'notes'));
    expect(files).toHaveLength(1);
    const download = await resources.downloadFile('notes', '1', 'file');
    const chunks: Buffer[] = [];
    for await (const chunk of download.stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    expect(await failure(resources.uploadFile('notes', '1', 'file', Readable.from([Buffer.alloc(17)]), { contentType: 'text/plain' }, context()))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await failure(resources.uploadFile('notes', '1', 'file', Readable.from([Buffer.from('x')]), { contentType: 'image/png' }, context()))).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(fs.readdirSync(path.join(dataDir, 'files', 'notes'))).toHaveLength(1);
    await resources.remove('notes', '1', context());
    expect(fs.readdirSync(path.join(dataDir, 'files', 'notes'))).toHaveLength(0);
  });

  it('exports CSV and imports it back, all or nothing', async () => {
    const { resources } = await setup('resource: p\nfields:\n  name: {type: string, required: true}\n  n: {type: integer}\n  ok: {type: boolean}\n  meta: {type: json}\n');
    await resources.create('p', { name: 'a, "quoted"', n: 1, ok: true, meta: { x: [1] } }, context());
    const csv = await resources.exportRecords('p', {}, 'csv');
    expect(csv).toBe('id,name,n,ok,meta\n1,"a, ""quoted""",1,true,"{""x"":[1]}"\n');
    expect(await resources.importRecords('p', { csv }, context())).toMatchObject({ value: { imported: 1, ignored_columns: ['id'] } });
    expect((await resources.list('p', { sort: 'id' })).data[1]).toEqual({ id: 2, name: 'a, "quoted"', n: 1, ok: true, meta: { x: [1] } });
    const error = (await failure(resources.importRecords('p', { csv: 'name,n\nok,1\n,x\n' }, context()))) as DbForgeError;
    expect(error.details).toEqual([
      { field: 'rows[1].name', message: 'is required' },
      { field: 'rows[1].n', message: 'must be an integer' },
    ]);
    expect((await resources.list('p', { count: 'true' })).total).toBe(2);
  });
});
