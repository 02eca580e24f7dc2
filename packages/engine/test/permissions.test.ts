import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { quoteIdentifier as q } from '@dbforge/contracts';
import { parseResourceYaml } from '../src/resources/parse.js';
import { normalizeDocuments } from '../src/resources/normalize.js';
import type { Actor, ResourceDef } from '../src/resources/model.js';
import { allows, hiddenFields, listFilter, loadPermissionLanguage, unwritableFields, type Operation } from '../src/resources/permissions.js';

function resourceFrom(yaml: string): { resource: ResourceDef; warnings: string[] } {
  const parsed = parseResourceYaml(yaml);
  expect(parsed.problems).toEqual([]);
  const normalized = normalizeDocuments(parsed.documents);
  expect(normalized.problems).toEqual([]);
  return { resource: normalized.resources[0]!.resource, warnings: normalized.warnings.map((w) => `${w.path}: ${w.message}`) };
}

const POSTS = `
resource: posts
fields:
  id: {type: primary_key}
  title: {type: string, required: true}
  status: {type: select, options: [published, draft, archived]}
  author: {type: string, auto_user_add: true}
  notes: {type: text, permissions: {read: owner_or_admin, write: admin_only}}
conditions:
  is_published: "status == 'published'"
`;

const anonymous: Actor = { id: 'anonymous', roles: [], kind: 'anonymous' };
const ada: Actor = { id: 'u-ada', roles: ['user'], kind: 'user' };
const alan: Actor = { id: 'u-alan', roles: ['user', 'editor'], kind: 'user' };
const admin: Actor = { id: 'u-root', roles: ['admin'], kind: 'user' };
const platform: Actor = { id: 'key:abc', roles: ['admin'], kind: 'platform' };

const ROWS = [
  { id: 1, title: 'ada published', status: 'published', author: 'u-ada', notes: 'n1' },
  { id: 2, title: 'ada draft', status: 'draft', author: 'u-ada', notes: 'n2' },
  { id: 3, title: 'alan published', status: 'published', author: 'u-alan', notes: 'n3' },
  { id: 4, title: 'alan draft', status: 'draft', author: 'u-alan', notes: 'n4' },
  { id: 5, title: 'archived', status: 'archived', author: 'u-alan', notes: 'n5' },
];

let db: Database.Database;
beforeAll(async () => {
  await loadPermissionLanguage();
  db = new Database(':memory:');
  db.exec('CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, status TEXT, author TEXT, notes TEXT)');
  const insert = db.prepare('INSERT INTO posts VALUES (@id, @title, @status, @author, @notes)');
  for (const row of ROWS) insert.run(row);
});

/** The ids a list shows the actor, through the SQL filter, and the ids the per-record check allows: both must agree. */
function visible(resource: ResourceDef, actor: Actor): { sql: number[]; records: number[] } {
  const filter = listFilter(resource, actor);
  const where = filter === true ? '' : filter === false ? ' WHERE 1 = 0' : ` WHERE ${filter.sql}`;
  const params = typeof filter === 'object' ? filter.params : [];
  const sql = (db.prepare(`SELECT id FROM ${q('posts')}${where} ORDER BY id`).all(...params) as { id: number }[]).map((r) => r.id);
  const records = ROWS.filter((row) => allows(resource, 'read', actor, row)).map((r) => r.id);
  return { sql, records };
}

describe('permissions', () => {
  it.each([
    ['public', { anonymous: [1, 2, 3, 4, 5], ada: [1, 2, 3, 4, 5], admin: [1, 2, 3, 4, 5] }],
    ['authenticated', { anonymous: [], ada: [1, 2, 3, 4, 5], admin: [1, 2, 3, 4, 5] }],
    ['owner', { anonymous: [], ada: [1, 2], admin: [] }],
    ['owner_or_admin', { anonymous: [], ada: [1, 2], admin: [1, 2, 3, 4, 5] }],
    ['admin_only', { anonymous: [], ada: [], admin: [1, 2, 3, 4, 5] }],
    ['none', { anonymous: [], ada: [], admin: [] }],
    ['{published: public, draft: owner_or_admin}', { anonymous: [1, 3], ada: [1, 2, 3], admin: [1, 2, 3, 4] }],
    ['[{role: editor}, {condition: is_published}]', { anonymous: [1, 3], ada: [1, 3], admin: [1, 3] }],
    ['[{condition: undefined_condition}]', { anonymous: [], ada: [], admin: [] }],
    ['"author == user.id || user.role == \'admin\'"', { anonymous: [], ada: [1, 2], admin: [1, 2, 3, 4, 5] }],
    ['"status in [\'published\', \'archived\'] && !(author == user.id)"', { anonymous: [1, 3, 5], ada: [3, 5], admin: [1, 3, 5] }],
  ] as const)('read: %s', (spec, expected) => {
    const { resource } = resourceFrom(`${POSTS}permissions:\n  read: ${spec}\n`);
    for (const [who, actor] of [['anonymous', anonymous], ['ada', ada], ['admin', admin]] as const) {
      const seen = visible(resource, actor);
      expect(seen.sql, `${who}: the list filter`).toEqual(expected[who]);
      expect(seen.records, `${who}: the record check`).toEqual(expected[who]);
    }
    // Platform callers act as the database's administrator.
    expect(visible(resource, platform).sql).toEqual([1, 2, 3, 4, 5]);
  });

  it('never lets an anonymous caller match `field == user.id` on a record whose field is empty', () => {
    const orphan = { id: 6, title: 'no author', status: 'draft', author: null, notes: 'n6' };
    db.prepare('INSERT INTO posts VALUES (@id, @title, @status, @author, @notes)').run(orphan);
    try {
      const { resource } = resourceFrom(`${POSTS}permissions:\n  read: "author == user.id"\n  update: "author == user.id"\n`);
      const filter = listFilter(resource, anonymous);
      const where = filter === true ? '' : filter === false ? ' WHERE 1 = 0' : ` WHERE ${filter.sql}`;
      const ids = db.prepare(`SELECT id FROM posts${where}`).all(...(typeof filter === 'object' ? filter.params : [])) as { id: number }[];
      expect(ids).toEqual([]);
      expect(allows(resource, 'read', anonymous, orphan)).toBe(false);
      expect(allows(resource, 'update', anonymous, orphan)).toBe(false);
      // A rule can still tell signed-in callers apart.
      const signedIn = resourceFrom(`${POSTS}permissions:\n  read: "user.authenticated"\n`).resource;
      expect(allows(signedIn, 'read', anonymous, orphan)).toBe(false);
      expect(allows(signedIn, 'read', ada, orphan)).toBe(true);
    } finally {
      db.prepare('DELETE FROM posts WHERE id = 6').run();
    }
  });

  it('gives an editor role what a role entry names', () => {
    const { resource } = resourceFrom(`${POSTS}permissions:\n  read: [{role: editor}]\n`);
    expect(visible(resource, alan).sql).toEqual([1, 2, 3, 4, 5]);
    expect(visible(resource, ada).sql).toEqual([]);
  });

  it('warns about a condition nobody defined, which fails closed', () => {
    const { warnings } = resourceFrom(`${POSTS}permissions:\n  read: [{condition: missing}]\n`);
    expect(warnings.some((w) => w.includes("'missing'") && w.includes('grants nothing'))).toBe(true);
  });

  it.each([
    ['create', 'authenticated', { anonymous: false, ada: true }],
    ['update', 'owner', { anonymous: false, ada: true }],
    ['delete', 'admin_only', { anonymous: false, ada: false }],
  ] as const)('%s: %s', (operation: Operation, spec, expected) => {
    const { resource } = resourceFrom(`${POSTS}permissions:\n  ${operation}: ${spec}\n`);
    const record = ROWS[0]!;
    expect(allows(resource, operation, anonymous, record)).toBe(expected.anonymous);
    expect(allows(resource, operation, ada, record)).toBe(expected.ada);
    expect(allows(resource, operation, platform, record)).toBe(true);
  });

  it('denies end users an operation no permission names', () => {
    const { resource } = resourceFrom(POSTS);
    expect(allows(resource, 'create', ada, null)).toBe(false);
    expect(listFilter(resource, ada)).toBe(false);
    expect(allows(resource, 'create', platform, null)).toBe(true);
  });

  it('hides and protects fields by their own permissions', () => {
    const { resource } = resourceFrom(POSTS);
    expect(hiddenFields(resource, alan, ROWS[0]!)).toEqual(['notes']);
    expect(hiddenFields(resource, ada, ROWS[0]!)).toEqual([]);
    expect(unwritableFields(resource, ada, ROWS[0]!, { notes: 'x', title: 'y' })).toEqual(['notes']);
    expect(unwritableFields(resource, admin, ROWS[0]!, { notes: 'x' })).toEqual([]);
  });

  it('refuses, as a 501, a row rule that can not become a filter', () => {
    const { resource } = resourceFrom(`${POSTS}permissions:\n  read: "title.startsWith('a')"\n`);
    expect(() => listFilter(resource, ada)).toThrow(/can't be applied to a list/);
  });

  it.each([
    ['a string field with a number', 'title < 5'],
    ['a number with a string field', '"10" > id'],
    ['a string field in a list of numbers', 'status in [1, 2]'],
    ['a non-boolean field as a condition', 'title && true'],
  ])('refuses to filter where SQL would compare differently from CEL: %s', (_what, rule) => {
    const { resource } = resourceFrom(`${POSTS}permissions:\n  read: '${rule}'\n`);
    expect(() => listFilter(resource, ada)).toThrow(/can't be applied to a list/);
  });
});

