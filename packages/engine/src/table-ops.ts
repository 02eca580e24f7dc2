import { DbForgeError, Messages, isValidIdentifier, quoteIdentifier } from '@dbforge/contracts';
import type { EngineName } from '@dbforge/contracts';
import { rowValue, type BindValue } from './values.js';

export function tableNotFound(table: string): DbForgeError {
  return new DbForgeError('NOT_FOUND', `Table '${table}' not found.`);
}

function unknownColumn(column: string, table: string): DbForgeError {
  return new DbForgeError('BAD_REQUEST', `Unknown column '${column}' in table '${table}'.`);
}

export interface PreparedInsert {
  sql: string;
  values: BindValue[][];
}

/**
 * Checks the rows of an insert against the table's real columns and renders one parameterised INSERT for all of them.
 * Column names come from the request, so each one must be a column of the table before it is quoted into SQL.
 */
export function prepareInsert(table: string, rows: Record<string, unknown>[], tableColumns: string[]): PreparedInsert {
  if (rows.length === 0) throw new DbForgeError('BAD_REQUEST', "No rows to insert: 'rows' is empty.");
  const first = rows[0]!;
  const keys = Object.keys(first);
  if (keys.length === 0) throw new DbForgeError('BAD_REQUEST', 'Each row needs at least one column.');
  const keySet = new Set(keys);
  for (const row of rows) {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new DbForgeError('BAD_REQUEST', 'Each row must be an object of column names and values.');
    }
    const rowKeys = Object.keys(row);
    if (rowKeys.length !== keys.length || !rowKeys.every((k) => keySet.has(k))) {
      throw new DbForgeError('BAD_REQUEST', Messages.rowsMustShareColumns);
    }
  }
  const known = new Set(tableColumns);
  for (const key of keys) {
    if (!isValidIdentifier(key) || !known.has(key)) throw unknownColumn(key, table);
  }
  const sql =
    `INSERT INTO ${quoteIdentifier(table)} (${keys.map(quoteIdentifier).join(', ')}) ` +
    `VALUES (${keys.map(() => '?').join(', ')})`;
  const values = rows.map((row) => keys.map((key) => rowValue(row[key], key)));
  return { sql, values };
}

export interface PreparedSelect {
  sql: string;
  values: BindValue[];
}

/** SELECT with equality filters on real columns, a stable order, and LIMIT/OFFSET (OFFSET works without LIMIT). */
export function prepareSelect(
  table: string,
  filters: Record<string, string>,
  tableColumns: string[],
  orderBy: string[],
  limit: number | undefined,
  offset: number | undefined,
  engine: EngineName,
): PreparedSelect {
  const known = new Set(tableColumns);
  const where: string[] = [];
  const values: BindValue[] = [];
  for (const [column, value] of Object.entries(filters)) {
    if (!known.has(column)) throw unknownColumn(column, table);
    where.push(`${quoteIdentifier(column)} = ?`);
    values.push(value);
  }
  let sql = `SELECT * FROM ${quoteIdentifier(table)}`;
  if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
  if (orderBy.length > 0) sql += ` ORDER BY ${orderBy.map(quoteIdentifier).join(', ')}`;
  if (limit !== undefined) {
    sql += ' LIMIT ?';
    values.push(limit);
  } else if (offset !== undefined && engine === 'sqlite') {
    sql += ' LIMIT -1'; // SQLite only accepts OFFSET after a LIMIT; -1 means none
  }
  if (offset !== undefined) {
    sql += ' OFFSET ?';
    values.push(offset);
  }
  return { sql, values };
}
