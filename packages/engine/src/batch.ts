import { DbForgeError } from '@dbforge/contracts';
import type { ExecResult, ResultColumn, RowsResult, Statement, StatementResult } from './types.js';
import { badParam, normaliseParams, type BindValue } from './values.js';

export type Bound = BindValue[] | Record<string, BindValue>;

/** A batch statement ready to run: bound once (`params`), or once per parameter set (`param_sets`). */
export type PreparedStatement = { sql: string; bound: Bound; sets?: undefined } | { sql: string; bound?: undefined; sets: Bound[] };

/** Where a statement run once per parameter set failed: the set's index, and how many sets it had. */
export interface ParamSet {
  index: number;
  total: number;
}

/** Thrown by a statement that runs once per parameter set when one set fails: which set, and why. */
export class ParamSetFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly set: ParamSet,
  ) {
    super('a parameter set failed');
  }
}

/** A batch failure names the failing statement (its index and text, and the parameter set) and says that nothing was applied. */
export function batchError(error: DbForgeError, index: number, total: number, sql: string, set?: ParamSet): DbForgeError {
  const prefix = error.code === 'SQL_ERROR' ? 'SQL Error: ' : '';
  const inner = prefix && error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  const which = set ? ` (parameter set ${set.index + 1} of ${set.total})` : '';
  return new DbForgeError(
    error.code,
    `${prefix}statement ${index + 1} of ${total}${which} failed: ${inner} Nothing was applied.`.replace(/([^.]) Nothing/, '$1. Nothing'),
    {
      details: { statement_index: index, ...(set ? { param_set_index: set.index } : {}), sql, ...(isRecord(error.details) ? error.details : {}) },
      cause: error,
    },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates and binds one batch statement (`index` in the batch): `params`, or `param_sets`, never both. */
export function prepareStatement(statement: Statement, index: number): PreparedStatement {
  const sets = statement.param_sets;
  if (sets === undefined) return { sql: statement.sql, bound: normaliseParams(statement.params) };
  const where = `body.statements[${index}]`;
  if (statement.params !== undefined) throw badParam(where, 'has both params and param_sets: send one of them');
  if (!Array.isArray(sets) || sets.length === 0) throw badParam(`${where}.param_sets`, 'must be a non-empty list of parameter lists');
  const path = `${where}.param_sets`;
  // The request's own list when no set changed in binding (the common case: nothing is copied).
  let out: Bound[] | undefined;
  for (let j = 0; j < sets.length; j++) {
    // The worker leaves the sets to this check (BatchBodyWireSchema): a list of values, or an object of named ones.
    const set: unknown = sets[j];
    if (!Array.isArray(set) && !isRecord(set)) throw badParam(`${path}[${j}]`, 'must be a list of values, or an object of named values');
    const bound = normaliseParams(sets[j], path, j);
    if (out === undefined && bound !== sets[j]) out = sets.slice(0, j) as Bound[];
    if (out !== undefined) out.push(bound);
  }
  return { sql: statement.sql, sets: out ?? (sets as Bound[]) };
}

/**
 * The result of a statement run once per parameter set: the changes added up with the last insert's rowid, or the
 * rows of every run in order (`INSERT ... RETURNING` over many sets), cut at the row limit like any result.
 */
export function combineResults(results: StatementResult[], maxRows: number): StatementResult {
  const first = results[0]!;
  if (first.kind === 'exec') {
    let rowsAffected = 0;
    for (const result of results) rowsAffected += (result as ExecResult).rowsAffected;
    return { kind: 'exec', rowsAffected, lastInsertRowid: (results[results.length - 1] as ExecResult).lastInsertRowid };
  }
  const rows: Record<string, unknown>[] = [];
  let truncated = false;
  let columns: ResultColumn[] = first.columns;
  for (const result of results as RowsResult[]) {
    if (result.rows.length > 0 && columns.length === 0) columns = result.columns;
    truncated ||= result.truncated;
    for (const row of result.rows) {
      if (rows.length >= maxRows) {
        truncated = true;
        break;
      }
      rows.push(row);
    }
  }
  return { kind: 'rows', rows, columns, truncated };
}
