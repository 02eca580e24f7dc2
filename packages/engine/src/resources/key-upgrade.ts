import { DbForgeError, quoteIdentifier as q } from '@dbforge/contracts';
import type { TransactionContext } from '../types.js';
import { generatesIntegerKey, loggedIdsMaxSql, raiseSequenceSql } from './ddl.js';
import type { ResourceDef } from './model.js';

/**
 * Resource tables made before integer keys were `AUTOINCREMENT` on SQLite hand out MAX(id)+1, so the id of the newest
 * record, once deleted, went to the next one. They are rebuilt once, when the engine opens, by SQLite's own procedure
 * for schema changes ALTER TABLE can't make: a copy of the table with the new definition, every row copied as it is
 * (same ids, same values, columns added with raw SQL included), its indexes and triggers made again, the old table
 * dropped and the copy renamed, all in one transaction with foreign key enforcement off. Nothing else changes:
 * `many_to_many` join tables and the references of other resources hold ids, which stay.
 */

export interface KeyUpgrade {
  resource: string;
  table: string;
  rows: number;
  /** The id the next create gets. */
  nextId: number;
}

/** Why an old-style table was left as it is (the caller logs it; the next open tries again). */
export class KeyUpgradeRefused extends Error {}

const AUTOINCREMENT = /\bPRIMARY\s+KEY\s+AUTOINCREMENT\b/i;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The table's CREATE statement when it needs the upgrade, else undefined (up to date, not SQLite-made, no table). */
export async function keyUpgradeNeeded(tx: Pick<TransactionContext, 'all'>, resource: ResourceDef): Promise<string | undefined> {
  const pk = resource.fields.find((f) => f.primary);
  if (pk === undefined || !generatesIntegerKey(pk)) return undefined;
  const rows = await tx.all("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", [resource.table]);
  const sql = rows[0]?.sql;
  if (typeof sql !== 'string' || AUTOINCREMENT.test(sql)) return undefined;
  return sql;
}

/** Other tables whose foreign keys (raw SQL ones: resources' references are the engine's) point at `table`. */
export async function referringTables(tx: TransactionContext, table: string): Promise<string[]> {
  const rows = await tx.all(
    "SELECT DISTINCT m.name AS name FROM sqlite_schema AS m JOIN pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table' AND f.\"table\" = ? COLLATE NOCASE AND m.name <> ?",
    [table, table],
  );
  return rows.map((r) => String(r.name));
}

/**
 * Drops `table` and gives `temp` its name. `legacy_alter_table` keeps the rename from re-reading the rest of the
 * schema, where a view or trigger that names the dropped table would otherwise make it fail.
 */
export async function replaceTable(tx: TransactionContext, table: string, temp: string): Promise<void> {
  await tx.run(`DROP TABLE ${q(table)}`);
  await tx.run('PRAGMA legacy_alter_table = ON');
  try {
    await tx.run(`ALTER TABLE ${q(temp)} RENAME TO ${q(table)}`);
  } finally {
    await tx.run('PRAGMA legacy_alter_table = OFF');
  }
}

/** Fails (so the transaction rolls back) when a table that refers to `table` has a reference to nothing. */
export async function checkReferringTables(tx: TransactionContext, children: string[]): Promise<void> {
  for (const child of children) {
    const broken = await tx.all('SELECT * FROM pragma_foreign_key_check(?) LIMIT 1', [child]);
    if (broken.length > 0) {
      throw new DbForgeError('CONFLICT', `Rebuilding the table would leave rows of '${child}' referring to nothing; nothing was applied.`, { details: { table: child } });
    }
  }
}

/**
 * Upgrades one resource table, in the caller's transaction (which must run with foreign keys off). Answers undefined
 * when the table is up to date; throws `KeyUpgradeRefused` when its shape is not one the engine made.
 */
export async function upgradeKeyTable(tx: TransactionContext, resource: ResourceDef): Promise<KeyUpgrade | undefined> {
  const createSql = await keyUpgradeNeeded(tx, resource);
  if (createSql === undefined) return undefined;
  const table = resource.table;
  const key = resource.primaryKey;
  const temp = `_dbforge_rebuild_${table}`;

  const columns = await tx.all('SELECT name, type, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid', [table]);
  const keyColumns = columns.filter((c) => Number(c.pk) > 0);
  if (keyColumns.length !== 1 || keyColumns[0]!.name !== key || String(keyColumns[0]!.type).toUpperCase() !== 'INTEGER') {
    throw new KeyUpgradeRefused(`its key is not the INTEGER PRIMARY KEY '${key}' the engine made`);
  }
  // Only the table's name and the key's definition change; the rest of the statement is kept word for word.
  const header = new RegExp(`^CREATE TABLE\\s+(?:"${escapeRegExp(table.replaceAll('"', '""'))}"|${escapeRegExp(table)})\\s*\\(`, 'i');
  const keyDefinition = new RegExp(`([(,]\\s*(?:"${escapeRegExp(key)}"|${escapeRegExp(key)})\\s+INTEGER\\s+PRIMARY\\s+KEY)(\\s*[,)])`, 'i');
  if (!header.test(createSql) || !keyDefinition.test(createSql)) {
    throw new KeyUpgradeRefused('its CREATE TABLE statement is not one the engine made');
  }
  const upgradedSql = createSql.replace(header, `CREATE TABLE ${q(temp)} (`).replace(keyDefinition, '$1 AUTOINCREMENT$2');

  const related = await tx.all(
    "SELECT sql FROM sqlite_schema WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
    [table],
  );
  const children = await referringTables(tx, table);

  await tx.run(`DROP TABLE IF EXISTS ${q(temp)}`);
  await tx.run(upgradedSql);
  // Generated columns (hidden 2 and 3) are computed again, not copied.
  const copied = columns.filter((c) => Number(c.hidden) === 0).map((c) => q(String(c.name))).join(', ');
  const rows = await tx.run(`INSERT INTO ${q(temp)} (${copied}) SELECT ${copied} FROM ${q(table)} ORDER BY ${q(key)}`);
  const [count] = await tx.all(`SELECT count(*) AS n FROM ${q(table)}`);
  if (Number(count!.n) !== rows) throw new KeyUpgradeRefused(`copied ${rows} of ${String(count!.n)} rows`);
  // The copy raised the counter to the highest id left; ids the event log knows (deleted records) stay taken too.
  for (const sql of raiseSequenceSql(temp, loggedIdsMaxSql(table))) await tx.run(sql);
  await replaceTable(tx, table, temp);
  for (const row of related) await tx.run(String(row.sql));
  await checkReferringTables(tx, children);

  const [sequence] = await tx.all('SELECT seq FROM sqlite_sequence WHERE name = ?', [table]);
  return { resource: resource.name, table, rows, nextId: Number(sequence?.seq ?? 0) + 1 };
}
