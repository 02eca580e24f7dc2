import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLog, ResourceEngine, openDatabase, type DatabaseAdapter, type RequestContext } from '../src/index.js';
import { SQLITE_FILE } from '../src/sqlite-adapter.js';
import { failure, tempDir } from './helpers.js';

const request = (): RequestContext => ({ actor: { id: 'ada', roles: ['admin'] }, hooks: new Set(), fingerprint: 'f', requestId: 'req-1' });

const ITEMS = `resource: items
fields:
  id: {type: primary_key}
  name: {type: string, required: true, unique: true}
  tags: {type: many_to_many, references: tags}
---
resource: tags
fields:
  id: {type: primary_key}
  label: {type: string}
`;

const adapters: DatabaseAdapter[] = [];
afterEach(async () => {
  for (const adapter of adapters.splice(0)) await adapter.close();
});

/** A worker's start: the database in `dir` opened, and the resource engine over it. */
async function start(engine: 'sqlite' | 'duckdb', dir: string, logs: string[] = []) {
  const db = await openDatabase({ engine, directory: dir, limits: { maxResultRows: 1000, maxResultBytes: 1024 * 1024 }, statementTimeoutMs: 5000 });
  adapters.push(db);
  const resources = await ResourceEngine.open(db, { database: 'shop', dataDir: dir, log: (_object, message) => logs.push(message) });
  return { db, resources };
}

async function stop(db: DatabaseAdapter): Promise<void> {
  adapters.splice(adapters.indexOf(db), 1);
  await db.close();
}

async function create(resources: ResourceEngine, name: string, tags: number[] = []): Promise<number> {
  return Number((await resources.create('items', { name, tags }, request())).value.id);
}


describe.each(['sqlite', 'duckdb'] as const)('generated integer keys are never handed out twice (%s)', (engine) => {
  it('gives the next record a new id after the newest one is deleted', async () => {
    const { db, resources } = await start(engine, tempDir());
    await resources.apply(ITEMS);
    expect([await create(resources, 'a'), await create(resources, 'b'), await create(resources, 'c')]).toEqual([1, 2, 3]);
    await resources.remove('items', '3', request());
    expect(await create(resources, 'd')).toBe(4);
    // The log's record 3 is one record: its create and its delete.
    const history = (await new EventLog(db).list({ resource: 'items', record: '3', limit: 10 })).data;
    expect(history.map((e) => [e.op, (e.after ?? e.before)?.name])).toEqual([
      ['create', 'c'],
      ['delete', 'c'],
    ]);
  });

  it('keeps counting after the worker restarts', async () => {
    const dir = tempDir();
    const first = await start(engine, dir);
    await first.resources.apply(ITEMS);
    for (const name of ['a', 'b', 'c']) await create(first.resources, name);
    await first.resources.remove('items', '3', request());
    await stop(first.db);

    const { resources } = await start(engine, dir);
    expect(await create(resources, 'd')).toBe(4);
  });

  it('restores a deleted record with its own id when nothing took it, and still counts on', async () => {
    const { db, resources } = await start(engine, tempDir());
    await resources.apply(ITEMS);
    const tag = Number((await resources.create('tags', { label: 'red' }, request())).value.id);
    for (const name of ['a', 'b']) await create(resources, name);
    await create(resources, 'c', [tag]);
    await resources.remove('items', '3', request());
    const deleted = (await new EventLog(db).list({ limit: 100 })).data.filter((e) => e.op === 'delete' && e.resource === 'items').at(-1)!;
    expect(await create(resources, 'd')).toBe(4);

    const reverted = await resources.revert(deleted.id, {}, request());
    expect(reverted.event).toMatchObject({ op: 'create', record_id: '3', source: 'revert' });
    expect(await resources.getRecord('items', '3')).toMatchObject({ id: 3, name: 'c', tags: [tag] });
    expect(await create(resources, 'e')).toBe(5);
    // Record 3's history is its own: created, deleted, restored.
    const history = (await new EventLog(db).list({ resource: 'items', record: '3', limit: 100 })).data;
    expect(history.map((e) => [e.op, e.source])).toEqual([
      ['create', 'resources'],
      ['delete', 'resources'],
      ['create', 'revert'],
    ]);
  });

  it('does not hand out the ids of a removed resource when it is created again', async () => {
    const { resources } = await start(engine, tempDir());
    await resources.apply(ITEMS);
    for (const name of ['a', 'b']) await create(resources, name);
    await resources.removeResource('items');
    await resources.apply(ITEMS);
    expect(await create(resources, 'c')).toBe(3);
  });

  it('keeps the counter through a table rebuild, and the rows of raw SQL tables that refer to it', async () => {
    const { db, resources } = await start(engine, tempDir());
    await resources.apply(`${ITEMS.replace('---', '  note: {type: text}\n---')}`);
    for (const name of ['a', 'b', 'c']) await create(resources, name);
    await resources.remove('items', '3', request());
    if (engine === 'sqlite') {
      await db.execute('CREATE TABLE reviews (id INTEGER PRIMARY KEY, item INTEGER REFERENCES items (id) ON DELETE CASCADE)');
      await db.execute('INSERT INTO reviews (item) VALUES (1), (2)');
    }
    const dryRun = await resources.apply(ITEMS, { dryRun: true });
    const rebuild = dryRun.plan.find((s) => s.action === 'rebuild_table')!;
    if (engine === 'sqlite') expect(rebuild.sql.join('\n')).toContain('UPDATE sqlite_sequence');
    await resources.apply(ITEMS, { allowDestructive: true });
    expect(await create(resources, 'd')).toBe(4);
    // Dropping the old table did not fire the cascade.
    if (engine === 'sqlite') expect(await db.read('SELECT item FROM reviews ORDER BY id')).toEqual([{ item: 1 }, { item: 2 }]);
  });
});

describe('resource tables made before AUTOINCREMENT (SQLite)', () => {
  /**
   * Makes the resource table of `dir` what earlier versions made: the same table without AUTOINCREMENT and without a
   * counter, so SQLite hands out MAX(id)+1. Raw SQL objects around it (a child table with a cascading foreign key,
   * a view, an index and a trigger of the user's) show what the upgrade must keep.
   */
  function makeOldStyle(dir: string): void {
    const file = new Database(`${dir}/${SQLITE_FILE}`);
    const table = file.prepare("SELECT sql FROM sqlite_schema WHERE name = 'items'").pluck().get() as string;
    const indexes = file.prepare("SELECT sql FROM sqlite_schema WHERE tbl_name = 'items' AND type = 'index' AND sql IS NOT NULL").pluck().all() as string[];
    file.exec(`
      CREATE TABLE old_items ${table.slice(table.indexOf('(')).replace(' AUTOINCREMENT', '')};
      INSERT INTO old_items SELECT * FROM items;
      DROP TABLE items;
      ALTER TABLE old_items RENAME TO items;
      DELETE FROM sqlite_sequence WHERE name = 'items';
      ${indexes.map((sql) => `${sql};`).join('\n')}
      CREATE TABLE reviews (id INTEGER PRIMARY KEY, item INTEGER REFERENCES items (id) ON DELETE CASCADE, stars INTEGER);
      INSERT INTO reviews (item, stars) VALUES (1, 5), (2, 4);
      CREATE VIEW item_names AS SELECT name FROM items;
      CREATE INDEX my_items_name ON items (name DESC);
      CREATE TABLE audit (what TEXT);
      CREATE TRIGGER my_items_audit AFTER UPDATE ON items BEGIN INSERT INTO audit VALUES (NEW.name); END;
    `);
    file.close();
  }

  function schemaOf(dir: string): Record<string, string> {
    const file = new Database(`${dir}/${SQLITE_FILE}`, { readonly: true });
    const rows = file.prepare("SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE '\\_dbforge\\_ev\\_%' ESCAPE '\\'").all() as { name: string; sql: string }[];
    file.close();
    return Object.fromEntries(rows.map((r) => [r.name, r.sql]));
  }

  it('is rebuilt on open with every row, id, link and raw SQL object kept, and then never reuses an id', async () => {
    const dir = tempDir();
    const first = await start('sqlite', dir);
    await first.resources.apply(ITEMS);
    const red = Number((await first.resources.create('tags', { label: 'red' }, request())).value.id);
    for (const name of ['a', 'b', 'c']) await create(first.resources, name, [red]);
    await create(first.resources, 'd');
    // Record 4 is gone, but the log knows it: it must not come back as another record.
    await first.resources.remove('items', '4', request());
    await stop(first.db);
    makeOldStyle(dir);
    const before = schemaOf(dir);
    expect(before.items).not.toContain('AUTOINCREMENT');

    const logs: string[] = [];
    const { db, resources } = await start('sqlite', dir, logs);
    expect(logs).toContain('resource table upgraded: its ids are never reused');
    const after = schemaOf(dir);
    expect(after.items).toBe(before.items!.replace('"id" INTEGER PRIMARY KEY', '"id" INTEGER PRIMARY KEY AUTOINCREMENT'));
    // Indexes (the engine's and the user's), the view, the trigger and the child table are as they were.
    expect({ ...after, items: undefined, sqlite_sequence: undefined }).toEqual({ ...before, items: undefined, sqlite_sequence: undefined });
    expect((await resources.list('items', {})).data.map((r) => [r.id, r.name, r.tags])).toEqual([
      [1, 'a', [red]],
      [2, 'b', [red]],
      [3, 'c', [red]],
    ]);
    expect(await db.read('SELECT item, stars FROM reviews ORDER BY id')).toEqual([
      { item: 1, stars: 5 },
      { item: 2, stars: 4 },
    ]);
    expect(await db.read('SELECT count(*) AS n FROM item_names')).toEqual([{ n: 3 }]);

    expect(await create(resources, 'e')).toBe(5);
    await resources.remove('items', '5', request());
    expect(await create(resources, 'f')).toBe(6);
    // The unique index still holds, and the user's trigger still fires.
    expect((await failure(resources.create('items', { name: 'a' }, request()))).code).toBe('CONFLICT');
    await resources.update('items', '1', { name: 'a2' }, true, request());
    expect(await db.read('SELECT what FROM audit')).toEqual([{ what: 'a2' }]);
    // The upgraded table's changes are still captured by raw SQL triggers.
    await db.execute("UPDATE items SET name = 'b2' WHERE id = 2");
    const last = (await new EventLog(db).list({ resource: 'items', record: '2', limit: 10 })).data.at(-1)!;
    expect(last).toMatchObject({ op: 'update', source: 'sql', after: { name: 'b2' } });
  });

  it('is left alone once up to date: opening again changes nothing', async () => {
    const dir = tempDir();
    const first = await start('sqlite', dir);
    await first.resources.apply(ITEMS);
    await create(first.resources, 'a');
    await stop(first.db);
    // A rebuild would give the table a new root page and a new statement.
    const tableOnDisk = () => {
      const file = new Database(`${dir}/${SQLITE_FILE}`, { readonly: true });
      const row = file.prepare("SELECT rootpage, sql FROM sqlite_schema WHERE name = 'items'").get();
      file.close();
      return row;
    };
    const before = tableOnDisk();
    const logs: string[] = [];
    const again = await start('sqlite', dir, logs);
    await stop(again.db);
    expect(tableOnDisk()).toEqual(before);
    expect(logs.filter((m) => m.startsWith('resource table'))).toEqual([]);
  });

  it('starts above ids the log already knows, and leaves a table it did not make as it is', async () => {
    const dir = tempDir();
    const first = await start('sqlite', dir);
    await first.resources.apply(ITEMS);
    for (const name of ['a', 'b']) await create(first.resources, name);
    await stop(first.db);
    makeOldStyle(dir);
    // What the old behaviour left in a log: ids up to 7 were handed out (and reused) before the newest were deleted.
    const file = new Database(`${dir}/${SQLITE_FILE}`);
    file.exec(`
      INSERT INTO _dbforge_events (committed_at, actor_id, actor_roles, source, op, resource, tbl, record_id, before, after)
      VALUES ('2020-01-01T00:00:00.000Z', 'x', '[]', 'sql', 'delete', 'items', 'items', '7', '{}', NULL);
    `);
    file.close();
    const second = await start('sqlite', dir);
    expect(await create(second.resources, 'c')).toBe(8);

    // A table whose key is not the rowid the engine made is logged and left alone; the database opens.
    const other = tempDir();
    const made = await start('sqlite', other);
    await made.resources.apply(ITEMS);
    await stop(made.db);
    const raw = new Database(`${other}/${SQLITE_FILE}`);
    raw.exec(`DROP TABLE items; CREATE TABLE items ("id" INTEGER, "name" TEXT, PRIMARY KEY ("id", "name"))`);
    raw.close();
    const logs: string[] = [];
    const opened = await start('sqlite', other, logs);
    expect(logs).toContain('resource table not upgraded: it may reuse the id of its newest record once deleted');
    expect(opened.resources.resourceNames()).toContain('items');
  });
});
