import { quoteIdentifier as q, type EngineName } from '@dbforge/contracts';
import { columnFields, joinTableOf, type FieldDef, type IndexDef, type ResourceDef } from './model.js';
import { addColumnSql, columnType, createIndexSql, createTableSql, dropIndexSql, generatesIntegerKey, joinTableSql, loggedIdsMaxSql, raiseSequenceSql, seedKeySql } from './ddl.js';

export const PLAN_ACTIONS = [
  'create_table',
  'add_column',
  'rebuild_table',
  'create_index',
  'drop_index',
  'create_join_table',
  'drop_join_table',
  'encrypt_values',
  'decrypt_values',
  'hash_values',
  'drop_table',
  'update_definition',
] as const;
export type PlanAction = (typeof PLAN_ACTIONS)[number];

/** One step of a migration, as `?dry_run=true` shows it and as it is applied. */
export interface PlanStep {
  action: PlanAction;
  resource: string;
  field?: string | undefined;
  index?: string | undefined;
  /** Loses data or changes stored values' type: needs `allow_destructive=true`. */
  destructive: boolean;
  /** What the step does, for a person. */
  detail: string;
  /** The SQL it runs (data conversions of a rebuild run row by row between these statements). */
  sql: string[];
}

export interface PlanWarning {
  resource: string;
  field?: string | undefined;
  message: string;
}

export interface ResourcePlan {
  steps: PlanStep[];
  warnings: PlanWarning[];
  /** Changes that can't be applied at all (a changed primary key). */
  refused: PlanWarning[];
}

/** Looks up the key a reference points at, among the resources after this apply. */
export type KeyLookup = (field: FieldDef) => FieldDef | undefined;

function describeType(field: FieldDef): string {
  return field.security.encrypt ? `${field.type} (encrypted)` : field.type;
}

function sameIndex(a: IndexDef, b: IndexDef): boolean {
  return a.unique === b.unique && a.fields.length === b.fields.length && a.fields.every((f, i) => f === b.fields[i]);
}

/** The statements of a table rebuild, for display (the copy converts values row by row in between). */
export function rebuildSql(next: ResourceDef, engine: EngineName): string[] {
  const temp = `_dbforge_rebuild_${next.table}`;
  const created = createTableSql(next, engine, temp).filter((sql) => !sql.startsWith('CREATE SEQUENCE'));
  return [
    ...created,
    `INSERT INTO ${q(temp)} (...) SELECT ... FROM ${q(next.table)}  -- each row converted and checked`,
    ...keepSequenceSql(next, engine, temp),
    `DROP TABLE ${q(next.table)}`,
    `ALTER TABLE ${q(temp)} RENAME TO ${q(next.table)}`,
    ...next.indexes.map((index) => createIndexSql(next.table, index)),
  ];
}

/**
 * Before a rebuilt SQLite table replaces the old one: its counter starts above every id the old table handed out
 * (deleted records included) and every id the event log knows, never at the highest id left.
 */
export function keepSequenceSql(resource: ResourceDef, engine: EngineName, temp: string): string[] {
  const pk = resource.fields.find((f) => f.primary)!;
  if (engine !== 'sqlite' || !generatesIntegerKey(pk)) return [];
  const oldCounter = `SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = '${resource.table.replaceAll("'", "''")}'`;
  return raiseSequenceSql(temp, `SELECT max((${oldCounter}), (${loggedIdsMaxSql(resource.table)}))`);
}

/**
 * Compares a resource as it is stored with how the config wants it, and plans the migration: new tables, columns and
 * indexes are added live; a removed field, a changed storage type or a removed hash rebuilds the table (destructive).
 */
export function planResource(current: ResourceDef | undefined, next: ResourceDef, engine: EngineName, keyOf: KeyLookup): ResourcePlan {
  const steps: PlanStep[] = [];
  const warnings: PlanWarning[] = [];
  const refused: PlanWarning[] = [];
  const name = next.name;

  if (current === undefined) {
    steps.push({ action: 'create_table', resource: name, destructive: false, detail: `creates the table '${next.table}'`, sql: [...createTableSql(next, engine), ...seedKeySql(next, engine)] });
    for (const index of next.indexes) {
      steps.push({ action: 'create_index', resource: name, index: index.name, destructive: false, detail: `creates the ${index.unique ? 'unique ' : ''}index '${index.name}' on (${index.fields.join(', ')})`, sql: [createIndexSql(next.table, index)] });
    }
    for (const field of next.fields.filter((f) => f.manyToMany)) {
      steps.push({ action: 'create_join_table', resource: name, field: field.name, destructive: false, detail: `creates the join table '${joinTableOf(name, field.name)}'`, sql: joinTableSql(next, field, keyOf(field), engine) });
    }
    steps.push({ action: 'update_definition', resource: name, destructive: false, detail: 'records version 1', sql: [] });
    return { steps, warnings, refused };
  }

  const currentPk = current.fields.find((f) => f.primary)!;
  const nextPk = next.fields.find((f) => f.primary)!;
  if (currentPk.name !== nextPk.name || columnType(currentPk, engine) !== columnType(nextPk, engine) || currentPk.generated !== nextPk.generated) {
    refused.push({ resource: name, field: nextPk.name, message: `changes the primary key (${currentPk.name}: ${currentPk.type} to ${nextPk.name}: ${nextPk.type}), which is not supported: create a new resource and import the records` });
    return { steps, warnings, refused };
  }

  const oldColumns = new Map(columnFields(current).map((f) => [f.name, f]));
  const newColumns = new Map(columnFields(next).map((f) => [f.name, f]));
  const rebuildReasons: string[] = [];
  const added: FieldDef[] = [];
  for (const field of columnFields(next)) {
    const before = oldColumns.get(field.name);
    if (before === undefined) {
      added.push(field);
      continue;
    }
    if (columnType(before, engine) !== columnType(field, engine)) {
      rebuildReasons.push(`changes '${field.name}' from ${describeType(before)} to ${describeType(field)}`);
    } else if (before.kind !== field.kind || (before.options && field.options && before.options.some((o) => !field.options!.includes(o)))) {
      warnings.push({ resource: name, field: field.name, message: `'${field.name}' changes from ${before.type} to ${field.type}: stored values are kept as they are and checked on their next write` });
    }
    if (before.security.hash && !field.security.hash) {
      rebuildReasons.push(`stops hashing '${field.name}': its stored hashes are cleared`);
    }
    if (!before.security.encrypt && field.security.encrypt && !rebuildReasons.some((r) => r.includes(`'${field.name}'`))) {
      steps.push({ action: 'encrypt_values', resource: name, field: field.name, destructive: false, detail: `encrypts the stored values of '${field.name}'`, sql: [] });
    }
    if (before.security.encrypt && !field.security.encrypt && !rebuildReasons.some((r) => r.includes(`'${field.name}'`))) {
      steps.push({ action: 'decrypt_values', resource: name, field: field.name, destructive: false, detail: `decrypts the stored values of '${field.name}'`, sql: [] });
    }
    if (!before.security.hash && field.security.hash) {
      // Irreversible: the values can't be had back from their hashes.
      steps.push({ action: 'hash_values', resource: name, field: field.name, destructive: true, detail: `replaces the stored values of '${field.name}' with their argon2id hashes (irreversible)`, sql: [] });
    }
    if (field.required && !before.required) {
      warnings.push({ resource: name, field: field.name, message: `'${field.name}' becomes required: records without a value keep none until they are written` });
    }
  }
  for (const field of columnFields(current)) {
    if (!newColumns.has(field.name)) rebuildReasons.push(`drops the field '${field.name}' and its values`);
  }

  if (rebuildReasons.length > 0) {
    // The new columns come with the rebuild, indexes too.
    steps.push({ action: 'rebuild_table', resource: name, destructive: true, detail: `rebuilds the table '${next.table}': ${[...rebuildReasons, ...added.map((f) => `adds '${f.name}'`)].join('; ')}`, sql: rebuildSql(next, engine) });
  } else {
    for (const field of added) {
      steps.push({ action: 'add_column', resource: name, field: field.name, destructive: false, detail: `adds the column '${field.name}' (${describeType(field)})`, sql: [addColumnSql(next, field, engine)] });
      if (field.required && field.default === undefined) {
        warnings.push({ resource: name, field: field.name, message: `'${field.name}' is required and has no default: existing records have no value until they are written` });
      }
    }
    for (const index of current.indexes) {
      const kept = next.indexes.find((x) => x.name === index.name);
      if (kept === undefined || !sameIndex(kept, index)) {
        steps.push({ action: 'drop_index', resource: name, index: index.name, destructive: false, detail: `drops the index '${index.name}'`, sql: [dropIndexSql(index)] });
      }
    }
    for (const index of next.indexes) {
      const before = current.indexes.find((x) => x.name === index.name);
      if (before === undefined || !sameIndex(before, index)) {
        steps.push({ action: 'create_index', resource: name, index: index.name, destructive: false, detail: `creates the ${index.unique ? 'unique ' : ''}index '${index.name}' on (${index.fields.join(', ')})`, sql: [createIndexSql(next.table, index)] });
      }
    }
  }

  const oldLinks = new Map(current.fields.filter((f) => f.manyToMany).map((f) => [f.name, f]));
  for (const field of next.fields.filter((f) => f.manyToMany)) {
    const before = oldLinks.get(field.name);
    if (before !== undefined && before.references?.resource === field.references?.resource) continue;
    if (before !== undefined) {
      steps.push({ action: 'drop_join_table', resource: name, field: field.name, destructive: true, detail: `drops the links of '${field.name}' (it now refers to '${field.references?.resource}')`, sql: [`DROP TABLE ${q(joinTableOf(name, field.name))}`] });
    }
    steps.push({ action: 'create_join_table', resource: name, field: field.name, destructive: false, detail: `creates the join table '${joinTableOf(name, field.name)}'`, sql: joinTableSql(next, field, keyOf(field), engine) });
  }
  for (const field of current.fields.filter((f) => f.manyToMany)) {
    if (!next.fields.some((f) => f.manyToMany && f.name === field.name)) {
      steps.push({ action: 'drop_join_table', resource: name, field: field.name, destructive: true, detail: `drops the field '${field.name}' and its links`, sql: [`DROP TABLE ${q(joinTableOf(name, field.name))}`] });
    }
  }

  if (steps.length > 0 || JSON.stringify(current) !== JSON.stringify(next)) {
    steps.push({ action: 'update_definition', resource: name, destructive: false, detail: 'records a new version', sql: [] });
  }
  return { steps, warnings, refused };
}

/**
 * Removing a resource: its table and join tables. A DuckDB key sequence is kept: the records' history stays in the
 * event log, so a resource created again under the name goes on from the ids it handed out (SQLite's counter is
 * raised from the log instead, see `seedKeySql`).
 */
export function dropResourcePlan(resource: ResourceDef, _engine: EngineName): PlanStep[] {
  const sql = [`DROP TABLE IF EXISTS ${q(resource.table)}`];
  for (const field of resource.fields.filter((f) => f.manyToMany)) sql.push(`DROP TABLE IF EXISTS ${q(joinTableOf(resource.name, field.name))}`);
  return [{ action: 'drop_table', resource: resource.name, destructive: true, detail: `drops the table '${resource.table}' and every record in it`, sql }];
}
