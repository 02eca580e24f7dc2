import { quoteIdentifier as q } from '@dbforge/contracts';
import type { EngineName } from '@dbforge/contracts';
import { EVENTS_TABLE } from '../events/schema.js';
import { columnFields, joinTableOf, type FieldDef, type IndexDef, type ResourceDef } from './model.js';

/**
 * DDL of resources for each engine. Every identifier here was validated by the format (letters, digits, `_`) and is
 * quoted anyway; defaults are rendered as literals, never pasted.
 */

/** SQLite has no UUID function: a version 4 UUID from randomblob(), evaluated by the database for each row. */
const SQLITE_UUID =
  "(lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || " +
  "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))))";

export function sequenceName(table: string): string {
  return `_dbforge_seq_${table}`;
}

/** The storage type of a field; two fields with the same storage type need no data conversion between them. */
export function columnType(field: FieldDef, engine: EngineName): string {
  if (field.security.encrypt) return engine === 'sqlite' ? 'TEXT' : 'VARCHAR';
  if (field.epochMillis) return engine === 'sqlite' ? 'INTEGER' : 'BIGINT';
  switch (field.kind) {
    case 'integer':
    case 'bigint':
      return engine === 'sqlite' ? 'INTEGER' : 'BIGINT';
    case 'decimal':
      return engine === 'sqlite' ? 'NUMERIC' : `DECIMAL(${field.precision ?? 10},${field.scale ?? 2})`;
    case 'boolean':
      return engine === 'sqlite' ? 'INTEGER' : 'BOOLEAN';
    case 'timestamp':
      return engine === 'sqlite' ? 'TEXT' : 'TIMESTAMP';
    case 'date':
      return engine === 'sqlite' ? 'TEXT' : 'DATE';
    case 'json':
      return engine === 'sqlite' ? 'TEXT' : 'JSON';
    case 'uuid':
      return engine === 'sqlite' ? 'TEXT' : 'UUID';
    default:
      return engine === 'sqlite' ? 'TEXT' : 'VARCHAR';
  }
}

/** A default as a SQL literal, or undefined when the field has none the database can hold (`now` is set by the engine). */
export function defaultLiteral(field: FieldDef, engine: EngineName): string | undefined {
  const value = field.default;
  if (value === undefined || value === null || field.security.encrypt || field.security.hash) return undefined;
  if ((field.kind === 'timestamp' || field.kind === 'date') && typeof value === 'string' && /^(now|current_)/i.test(value)) return undefined;
  if (typeof value === 'boolean') return engine === 'sqlite' ? (value ? '1' : '0') : value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `'${text.replaceAll("'", "''")}'`;
}

/** Whether the key is an integer the database hands out (a rowid on SQLite, a sequence on DuckDB). */
export function generatesIntegerKey(field: FieldDef): boolean {
  return field.primary && field.generated && (field.kind === 'integer' || field.kind === 'bigint');
}

function columnDefinition(resource: ResourceDef, field: FieldDef, engine: EngineName): string {
  const type = columnType(field, engine);
  let sql = `${q(field.name)} ${type}`;
  if (field.primary) {
    sql += ' PRIMARY KEY';
    // Without AUTOINCREMENT SQLite hands out MAX(rowid)+1, so deleting the newest record would free its id for the
    // next create, and the event log (which knows records by id) would mix two records' histories.
    if (generatesIntegerKey(field) && engine === 'sqlite') sql += ' AUTOINCREMENT';
    if (generatesIntegerKey(field) && engine === 'duckdb') {
      sql += ` DEFAULT nextval('${sequenceName(resource.table)}')`;
    }
    if (field.generated && field.kind === 'uuid') sql += ` DEFAULT ${engine === 'sqlite' ? SQLITE_UUID : 'gen_random_uuid()'}`;
    return sql;
  }
  const literal = defaultLiteral(field, engine);
  if (literal !== undefined) sql += ` DEFAULT ${literal}`;
  return sql;
}

/** Whether the database generates the key itself (an integer rowid or sequence, or a UUID default). */
export function databaseGeneratesKey(field: FieldDef): boolean {
  return field.primary && field.generated && field.kind !== 'cuid';
}

export function createTableSql(resource: ResourceDef, engine: EngineName, table = resource.table): string[] {
  const statements: string[] = [];
  const pk = resource.fields.find((f) => f.primary)!;
  if (engine === 'duckdb' && generatesIntegerKey(pk)) {
    statements.push(`CREATE SEQUENCE IF NOT EXISTS ${q(sequenceName(resource.table))}`);
  }
  const columns = columnFields(resource).map((field) => columnDefinition(resource, field, engine));
  statements.push(`CREATE TABLE ${q(table)} (${columns.join(', ')})`);
  return statements;
}

function textLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The highest integer record id the event log has seen for a table (0 when none): ids of records that were deleted,
 * or that belonged to an earlier table of the same name, stay taken.
 */
export function loggedIdsMaxSql(table: string): string {
  return (
    `SELECT coalesce(max(CAST(record_id AS INTEGER)), 0) FROM ${EVENTS_TABLE} ` +
    `WHERE tbl = ${textLiteral(table)} AND record_id <> '' AND record_id NOT GLOB '*[^0-9]*'`
  );
}

/**
 * Raises a SQLite AUTOINCREMENT table's counter (`sqlite_sequence`, which has no key of its own: one row per table)
 * to at least `floor`, an SQL expression; it never lowers it.
 */
export function raiseSequenceSql(table: string, floor: string): string[] {
  const name = textLiteral(table);
  return [
    `INSERT INTO sqlite_sequence (name, seq) SELECT ${name}, 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ${name})`,
    `UPDATE sqlite_sequence SET seq = max(seq, (${floor})) WHERE name = ${name}`,
  ];
}

/**
 * A new resource table's first id on SQLite: above every id the event log knows for its name (a resource removed
 * and created again keeps its history, so its old ids are not handed out again). DuckDB keeps the table's sequence.
 */
export function seedKeySql(resource: ResourceDef, engine: EngineName): string[] {
  const pk = resource.fields.find((f) => f.primary)!;
  if (engine !== 'sqlite' || !generatesIntegerKey(pk)) return [];
  return raiseSequenceSql(resource.table, loggedIdsMaxSql(resource.table));
}

export function addColumnSql(resource: ResourceDef, field: FieldDef, engine: EngineName): string {
  return `ALTER TABLE ${q(resource.table)} ADD COLUMN ${columnDefinition(resource, field, engine)}`;
}

export function createIndexSql(table: string, index: IndexDef): string {
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${q(index.name)} ON ${q(table)} (${index.fields.map(q).join(', ')})`;
}

export function dropIndexSql(index: IndexDef): string {
  return `DROP INDEX IF EXISTS ${q(index.name)}`;
}

/** The join table of a many-to-many field: one row per link, both ends part of the key. */
export function joinTableSql(resource: ResourceDef, field: FieldDef, targetKey: FieldDef | undefined, engine: EngineName): string[] {
  const table = joinTableOf(resource.name, field.name);
  const pk = resource.fields.find((f) => f.primary)!;
  const sourceType = columnType({ ...pk, security: { ...pk.security, encrypt: false } }, engine);
  const targetType = targetKey ? columnType({ ...targetKey, security: { ...targetKey.security, encrypt: false } }, engine) : engine === 'sqlite' ? 'INTEGER' : 'BIGINT';
  return [
    `CREATE TABLE ${q(table)} (source_id ${sourceType} NOT NULL, target_id ${targetType} NOT NULL, PRIMARY KEY (source_id, target_id))`,
    `CREATE INDEX ${q(`ix_${table}_target`)} ON ${q(table)} (target_id)`,
  ];
}
