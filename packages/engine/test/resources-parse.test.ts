import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resourceFormatSchemaJson } from '../src/index.js';
import { parseResourceYaml } from '../src/resources/parse.js';
import { normalizeDocuments } from '../src/resources/normalize.js';

function problemsOf(yaml: string) {
  const parsed = parseResourceYaml(yaml);
  if (parsed.problems.length > 0) return parsed.problems.map((p) => ({ path: p.path, line: p.line, column: p.column, message: p.message }));
  return normalizeDocuments(parsed.documents).problems.map((p) => ({ path: p.path, line: p.line, column: p.column, message: p.message }));
}

describe('parsing resource configs', () => {
  it('writes docs/resource-schema.json exactly as the code generates it', () => {
    const file = path.resolve(import.meta.dirname, '../../../docs/resource-schema.json');
    expect(fs.readFileSync(file, 'utf8')).toBe(resourceFormatSchemaJson());
  });

  it('reads several resources from one multi-document file, keeping each document text', () => {
    const parsed = parseResourceYaml('resource: a\nfields:\n  x: {type: string}\n---\nresource: b\nfields:\n  y: {type: integer}\n');
    expect(parsed.problems).toEqual([]);
    expect(parsed.documents.map((d) => d.text)).toEqual(['resource: a\nfields:\n  x: {type: string}\n', 'resource: b\nfields:\n  y: {type: integer}\n']);
    const { resources } = normalizeDocuments(parsed.documents);
    expect(resources.map((r) => [r.resource.name, r.resource.primaryKey, r.resource.fields.map((f) => f.name)])).toEqual([
      ['a', 'id', ['id', 'x']],
      ['b', 'id', ['id', 'y']],
    ]);
  });

  // Each row: a config, and every problem reported with its line and column.
  it.each([
    ['a YAML syntax error', 'resource: a\nfields:\n  x: {type: string\n', [{ path: '(document)', line: 4, column: 1 }]],
    ['a duplicate key', 'resource: a\nfields:\n  x: {type: string}\n  x: {type: text}\n', [{ path: '(document)', line: 4, column: 3 }]],
    ['no resource name', 'fields:\n  x: {type: string}\n', [{ path: '(document)', line: 1, column: 1, message: 'needs `resource:` (or `entity:`) and `fields:`' }]],
    ['an unknown type', 'resource: a\nfields:\n  x:\n    type: strng\n', [{ path: 'fields.x.type', line: 4, column: 11 }]],
    ['a bad field name', 'resource: a\nfields:\n  1x: {type: string}\n', [{ path: 'fields.1x', line: 3, column: 3, message: 'is not an accepted name here' }]],
    ['a wrong value type', 'resource: a\nfields:\n  x: {type: string, max_length: many}\n', [{ path: 'fields.x.max_length', line: 3, column: 33, message: 'must be integer' }]],
    ['a select without options', 'resource: a\nfields:\n  s:\n    type: select\n', [{ path: 'fields.s', line: 4, column: 5, message: 'a `select` field needs `options`' }]],
    ['scale over precision', 'resource: a\nfields:\n  d: {type: decimal, precision: 4, scale: 6}\n', [{ path: 'fields.d.scale', line: 3, column: 43, message: 'must not exceed precision (4)' }]],
    ['a default of the wrong type', 'resource: a\nfields:\n  n: {type: integer, default: "x"}\n', [{ path: 'fields.n.default', line: 3, column: 31, message: 'is not a valid value: must be an integer' }]],
    ['a default outside the options', 'resource: a\nfields:\n  s: {type: select, options: [a], default: b}\n', [{ path: 'fields.s.default', line: 3, column: 44 }]],
    ['min over max', 'resource: a\nfields:\n  n: {type: integer, min: 5, max: 1}\n', [{ path: 'fields.n.min', line: 3, column: 27 }]],
    ['min on text', 'resource: a\nfields:\n  t: {type: string, min: 1}\n', [{ path: 'fields.t.min', line: 3, column: 21 }]],
    ['max_length on a number', 'resource: a\nfields:\n  n: {type: integer, max_length: 3}\n', [{ path: 'fields.n.max_length', line: 3, column: 22 }]],
    ['a broken pattern', 'resource: a\nfields:\n  t: {type: string, pattern: "(["}\n', [{ path: 'fields.t.pattern', line: 3, column: 30 }]],
    ['auto_now_add on text', 'resource: a\nfields:\n  t: {type: string, auto_now_add: true}\n', [{ path: 'fields.t.auto_now_add', line: 3, column: 35 }]],
    ['auto_user on a number', 'resource: a\nfields:\n  t: {type: integer, auto_user: true}\n', [{ path: 'fields.t.auto_user', line: 3, column: 33 }]],
    ['encrypt with unique', 'resource: a\nfields:\n  t: {type: string, unique: true, security: {encrypt: true}}\n', [{ path: 'fields.t.security.encrypt', line: 3, column: 55 }]],
    ['encrypt on a boolean', 'resource: a\nfields:\n  b: {type: boolean, security: {encrypt: true}}\n', [{ path: 'fields.b.security.encrypt', line: 3, column: 42 }]],
    ['a foreign key without target', 'resource: a\nfields:\n  f: {type: foreign_key}\n', [{ path: 'fields.f', line: 3, column: 6 }]],
    ['an id that is not the key', 'resource: a\nfields:\n  id: {type: string}\n', [{ path: 'fields.id', line: 3, column: 3 }]],
    ['two primary keys', 'resource: a\nfields:\n  a: {type: primary_key}\n  b: {type: uuid, primary: true}\n', [{ path: 'fields.b', line: 4, column: 3 }]],
    ['a reserved name', 'resource: _dbforge_x\nfields:\n  a: {type: string}\n', [{ path: 'resource', line: 1, column: 11 }]],
    ['a rule that is not CEL', 'resource: a\nfields:\n  n: {type: integer}\nrules:\n  before_create:\n    - condition: "n >"\n      action: reject\n', [{ path: 'rules.before_create[0].condition', line: 6, column: 18 }]],
    ['require_role without a role', 'resource: a\nfields:\n  n: {type: integer}\nrules:\n  before_create:\n    - action: require_role\n', [{ path: 'rules.before_create[0]', line: 6, column: 7 }]],
    ['set on an unknown field', 'resource: a\nfields:\n  n: {type: integer}\nrules:\n  before_update:\n    - action: set\n      set: {m: "1"}\n', [{ path: 'rules.before_update[0].set.m', line: 7, column: 13 }]],
    ['an unknown hook event', 'resource: a\nfields:\n  n: {type: integer}\nhooks:\n  on_save: x\n', [{ path: 'hooks.on_save', line: 5, column: 3 }]],
    ['an index on a missing field', 'resource: a\nfields:\n  n: {type: integer}\nindexes:\n  - fields: [m]\n', [{ path: 'indexes[0]', line: 5, column: 5 }]],
  ])('reports %s with its line and column', (_name, yaml, expected) => {
    const problems = problemsOf(yaml);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(problems[i]).toMatchObject(e));
  });

  it('reports every problem of a file at once', () => {
    const problems = problemsOf('resource: a\nfields:\n  x: {type: strng}\n  y: {type: integer, min: "no"}\n---\nresource: b\nfields:\n  z: {type: select}\n');
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['fields.x.type', 3],
      ['fields.y.min', 4],
    ]);
  });

  it('keeps keys the engine does not act on, and warns about unknown field keys', () => {
    const parsed = parseResourceYaml('resource: a\nui: {icon: star}\nanalytics: {track: [x]}\nfields:\n  x: {type: string, widget: big, requird: true}\n');
    const { resources, warnings } = normalizeDocuments(parsed.documents);
    expect(resources[0]!.resource.extra).toEqual({ analytics: { track: ['x'] } });
    expect(resources[0]!.resource.ui).toEqual({ icon: 'star' });
    expect(resources[0]!.resource.fields[1]!.extra).toEqual({ widget: 'big', requird: true });
    expect(warnings.map((w) => [w.path, w.line, w.column])).toEqual([
      ['fields.x.widget', 5, 21],
      ['fields.x.requird', 5, 34],
    ]);
  });

  it('normalises MetaBuilder DBAL entities: keys, optional, enums, generated timestamps, acl, relations, never_expose', () => {
    const parsed = parseResourceYaml(
      [
        'entity: Credential',
        'fields:',
        '  id: {type: uuid, primary: true, generated: true}',
        '  username: {type: string, required: true, foreign_key: {entity: User, field: username, on_delete: cascade}}',
        '  password_hash: {type: string, required: true, sensitive: true}',
        '  kind: {type: enum, values: [a, b]}',
        '  note: {type: text, optional: true, nullable: true}',
        '  created_at: {type: datetime, generated: true, immutable: true}',
        '  updated_at: {type: datetime, auto_update: true}',
        '  createdMs: {type: bigint, generated: true}',
        'acl:',
        '  read: {system: true, admin: true}',
        '  create: {public: true}',
        'security:',
        '  never_expose: [password_hash]',
      ].join('\n'),
    );
    expect(parsed.problems).toEqual([]);
    const { resources, problems } = normalizeDocuments(parsed.documents);
    expect(problems).toEqual([]);
    const r = resources[0]!.resource;
    const f = (name: string) => r.fields.find((x) => x.name === name)!;
    expect(r).toMatchObject({ name: 'Credential', dialect: 'dbal', primaryKey: 'id' });
    expect(f('id')).toMatchObject({ kind: 'uuid', primary: true, generated: true });
    expect(f('username').references).toEqual({ resource: 'User', field: 'username', onDelete: 'cascade' });
    expect(f('password_hash').security.protected).toBe(true);
    expect(f('kind')).toMatchObject({ kind: 'select', options: ['a', 'b'] });
    expect(f('note')).toMatchObject({ required: false, nullable: true });
    expect(f('created_at')).toMatchObject({ magic: 'auto_now_add', immutable: true });
    expect(f('updated_at').magic).toBe('auto_now');
    expect(f('createdMs')).toMatchObject({ magic: 'auto_now_add', epochMillis: true });
    expect(r.permissions).toEqual({ read: { kind: 'list', entries: [{ role: 'system' }, { role: 'admin' }] }, create: { kind: 'keyword', keyword: 'public' } });
  });

  it('reads the three forms of permissions and the DBBasic events alias for rules', () => {
    const parsed = parseResourceYaml(
      [
        'resource: posts',
        'fields:',
        '  status: {type: select, options: [draft, published]}',
        'permissions:',
        '  read: {published: public, draft: owner_or_admin}',
        '  update: [{role: editor}, {condition: "user.id == record.owner"}]',
        '  delete: admin',
        'events:',
        '  before_update:',
        '    - rule: big',
        '      condition: "credit_limit > 50000"',
        '      action: require_approval',
        '      approver_role: manager',
      ].join('\n'),
    );
    const { resources, warnings } = normalizeDocuments(parsed.documents);
    const r = resources[0]!.resource;
    expect(r.permissions).toEqual({
      read: { kind: 'by_field', field: 'status', values: { published: 'public', draft: 'owner_or_admin' } },
      update: { kind: 'list', entries: [{ role: 'editor' }, { condition: 'user.id == record.owner' }] },
      delete: { kind: 'keyword', keyword: 'admin' },
    });
    expect(r.rules).toEqual([{ name: 'big', event: 'before_update', condition: 'credit_limit > 50000', action: 'require_role', role: 'manager', message: undefined, set: undefined }]);
    expect(warnings.map((w) => w.path)).toEqual(['events.before_update[0].action']);
  });
});
