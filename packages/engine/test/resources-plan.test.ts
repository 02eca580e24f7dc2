import { describe, expect, it } from 'vitest';
import { planResource, type ResourceDef } from '../src/index.js';
import { parseResourceYaml } from '../src/resources/parse.js';
import { normalizeDocuments } from '../src/resources/normalize.js';

function resource(yaml: string): ResourceDef {
  const { resources, problems } = normalizeDocuments(parseResourceYaml(yaml).documents);
  expect(problems).toEqual([]);
  return resources[0]!.resource;
}

const BASE = 'resource: items\nfields:\n  id: {type: primary_key}\n  name: {type: string, required: true}\n  qty: {type: integer, default: 0}\n';
const plan = (before: string | undefined, after: string, engine: 'sqlite' | 'duckdb') =>
  planResource(before === undefined ? undefined : resource(before), resource(after), engine, () => undefined);

describe('migration planning', () => {
  it.each([
    [
      'sqlite',
      [
        'CREATE TABLE "items" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "name" TEXT, "qty" INTEGER DEFAULT 0)',
        // The counter starts above every id the event log knows for the name (a resource removed and made again).
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'items', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'items')",
        "UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(max(CAST(record_id AS INTEGER)), 0) FROM _dbforge_events WHERE tbl = 'items' AND record_id <> '' AND record_id NOT GLOB '*[^0-9]*')) WHERE name = 'items'",
      ],
    ],
    [
      'duckdb',
      [
        'CREATE SEQUENCE IF NOT EXISTS "_dbforge_seq_items"',
        'CREATE TABLE "items" ("id" BIGINT PRIMARY KEY DEFAULT nextval(\'_dbforge_seq_items\'), "name" VARCHAR, "qty" BIGINT DEFAULT 0)',
      ],
    ],
  ] as const)('creates a new resource as a table (%s), ids from the database', (engine, sql) => {
    const result = plan(undefined, BASE, engine);
    expect(result.steps.map((s) => s.action)).toEqual(['create_table', 'update_definition']);
    expect(result.steps[0]!.sql).toEqual(sql);
  });

  it.each(['sqlite', 'duckdb'] as const)('renders every field type for %s', (engine) => {
    const all = resource(
      'resource: all\nfields:\n  id: {type: uuid, primary: true, generated: true}\n  s: {type: string}\n  t: {type: text}\n  e: {type: email}\n  u: {type: url}\n' +
        '  i: {type: integer}\n  b: {type: bigint}\n  d: {type: decimal, precision: 8, scale: 3}\n  f: {type: boolean, default: true}\n  ts: {type: timestamp}\n' +
        '  dt: {type: date}\n  sel: {type: select, options: [a]}\n  j: {type: json}\n  fi: {type: file}\n  fk: {type: foreign_key, references: other}\n' +
        '  m: {type: many_to_many, references: other}\n  uu: {type: uuid}\n  pw: {type: password}\n  enc: {type: date, security: {encrypt: true}}\n',
    );
    const steps = planResource(undefined, all, engine, () => undefined).steps;
    const create = steps.find((s) => s.action === 'create_table')!.sql.at(-1)!;
    if (engine === 'sqlite') {
      expect(create).toBe(
        'CREATE TABLE "all" ("id" TEXT PRIMARY KEY DEFAULT (lower(hex(randomblob(4)) || \'-\' || hex(randomblob(2)) || \'-4\' || substr(hex(randomblob(2)), 2) || \'-\' || ' +
          "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))), " +
          '"s" TEXT, "t" TEXT, "e" TEXT, "u" TEXT, "i" INTEGER, "b" INTEGER, "d" NUMERIC, "f" INTEGER DEFAULT 1, "ts" TEXT, "dt" TEXT, "sel" TEXT, "j" TEXT, "fi" TEXT, "fk" INTEGER, "uu" TEXT, "pw" TEXT, "enc" TEXT)',
      );
    } else {
      expect(create).toBe(
        'CREATE TABLE "all" ("id" UUID PRIMARY KEY DEFAULT gen_random_uuid(), "s" VARCHAR, "t" VARCHAR, "e" VARCHAR, "u" VARCHAR, "i" BIGINT, "b" BIGINT, "d" DECIMAL(8,3), ' +
          '"f" BOOLEAN DEFAULT TRUE, "ts" TIMESTAMP, "dt" DATE, "sel" VARCHAR, "j" JSON, "fi" VARCHAR, "fk" BIGINT, "uu" UUID, "pw" VARCHAR, "enc" VARCHAR)',
      );
    }
    expect(steps.map((s) => s.action)).toEqual(['create_table', 'create_index', 'create_join_table', 'update_definition']);
    expect(steps.find((s) => s.action === 'create_join_table')!.sql[0]).toMatch(/^CREATE TABLE "all_m" \(source_id (TEXT|UUID) NOT NULL, target_id (INTEGER|BIGINT) NOT NULL, PRIMARY KEY \(source_id, target_id\)\)$/);
  });

  // Each row: the change, the steps planned, and whether the plan is destructive.
  it.each([
    ['nothing', BASE, [], false],
    ['a new field', `${BASE}  note: {type: text}\n`, ['add_column', 'update_definition'], false],
    ['a new unique field', `${BASE}  code: {type: string, unique: true}\n`, ['add_column', 'create_index', 'update_definition'], false],
    ['unique on an existing field', BASE.replace('{type: string, required: true}', '{type: string, required: true, unique: true}'), ['create_index', 'update_definition'], false],
    ['a new index', `${BASE}indexes:\n  - fields: [name, qty]\n`, ['create_index', 'update_definition'], false],
    ['a wider type with the same storage', BASE.replace('{type: string, required: true}', '{type: text, required: true}'), ['update_definition'], false],
    ['a rule only', `${BASE}rules:\n  before_create:\n    - {action: reject, condition: "qty > 5"}\n`, ['update_definition'], false],
    ['a dropped field', BASE.replace('  qty: {type: integer, default: 0}\n', ''), ['rebuild_table', 'update_definition'], true],
    ['a changed type', BASE.replace('{type: integer, default: 0}', '{type: string}'), ['rebuild_table', 'update_definition'], true],
    ['encryption turned on', BASE.replace('{type: string, required: true}', '{type: string, required: true, security: {encrypt: true}}'), ['encrypt_values', 'update_definition'], false],
    ['hashing turned on', BASE.replace('{type: string, required: true}', '{type: string, required: true, security: {hash: true}}'), ['hash_values', 'update_definition'], true],
    ['a new many-to-many field', `${BASE}  tags: {type: many_to_many, references: tags}\n`, ['create_join_table', 'update_definition'], false],
  ] as const)('plans %s', (_name, after, actions, destructive) => {
    for (const engine of ['sqlite', 'duckdb'] as const) {
      const result = plan(BASE, after, engine);
      expect(result.steps.map((s) => s.action)).toEqual(actions);
      expect(result.steps.some((s) => s.destructive)).toBe(destructive);
    }
  });

  it('refuses a changed primary key, and warns about values that may no longer fit', () => {
    expect(plan(BASE, BASE.replace('{type: primary_key}', '{type: uuid, primary: true, generated: true}'), 'sqlite').refused).toHaveLength(1);
    const narrowed = plan(
      'resource: items\nfields:\n  s: {type: select, options: [a, b]}\n',
      'resource: items\nfields:\n  s: {type: select, options: [a], required: true}\n',
      'sqlite',
    );
    expect(narrowed.warnings.map((w) => w.message)).toEqual([
      "'s' changes from select to select: stored values are kept as they are and checked on their next write",
      "'s' becomes required: records without a value keep none until they are written",
    ]);
  });

  it('drops a removed many-to-many field with its links (destructive)', () => {
    const result = plan(`${BASE}  tags: {type: many_to_many, references: tags}\n`, BASE, 'duckdb');
    expect(result.steps[0]).toMatchObject({ action: 'drop_join_table', destructive: true, sql: ['DROP TABLE "items_tags"'] });
  });
});
