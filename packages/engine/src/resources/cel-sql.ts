import type { ASTNode } from '@marcbachmann/cel-js';
import { quoteIdentifier as q } from '@dbforge/contracts';
import type { TxValue } from '../types.js';

/** A CEL expression that can't become a SQL filter: only comparisons of fields with constants and the user can. */
export class UnsupportedExpression extends Error {}

/**
 * What a SQL term holds, so that a comparison is only translated when SQL would decide it as CEL does: CEL refuses to
 * compare a string with a number, while SQLite compares them by its own affinity rules (`'10' < 5` as text).
 */
type SqlType = 'string' | 'number' | 'boolean';

type Term = { kind: 'const'; value: unknown } | { kind: 'sql'; sql: string; params: TxValue[]; type: SqlType };

export interface SqlScope {
  /** The columns of the resource's table, with the kind of value each holds (others can't be used in a filter). */
  columns: ReadonlyMap<string, SqlType>;
  /** The acting user, as the expression sees it (`user.id`, `user.roles`, ...). */
  user: Record<string, unknown>;
}

function constant(value: unknown): Term {
  return { kind: 'const', value: typeof value === 'bigint' ? Number(value) : value };
}

function typeOfConstant(value: unknown): SqlType | undefined {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return undefined;
}

function column(name: string, scope: SqlScope): Term {
  const type = scope.columns.get(name);
  if (type === undefined) throw new UnsupportedExpression(`'${name}' is neither a field of the resource that a filter can use nor user.*`);
  return { kind: 'sql', sql: q(name), params: [], type };
}

/** A term used as a condition: a comparison, a boolean field, or a constant. */
function conditionOf(term: Term): { sql: string; params: TxValue[] } {
  if (term.kind === 'sql' && term.type !== 'boolean') throw new UnsupportedExpression('only comparisons and boolean fields can be conditions');
  return sqlOf(term);
}

/** Refuses a comparison CEL would not make (a string with a number, ...). */
function sameType(a: Term, b: Term): void {
  const ta = a.kind === 'sql' ? a.type : typeOfConstant(a.value);
  const tb = b.kind === 'sql' ? b.type : typeOfConstant(b.value);
  if (ta === undefined || tb === undefined || ta !== tb) {
    throw new UnsupportedExpression(`it compares ${ta ?? 'a value'} with ${tb ?? 'a value'}, which CEL refuses`);
  }
}

function sqlOf(term: Term): { sql: string; params: TxValue[] } {
  if (term.kind === 'sql') return term;
  const value = term.value;
  if (value === null || value === undefined) return { sql: 'NULL', params: [] };
  if (typeof value === 'boolean') return { sql: value ? '1 = 1' : '1 = 0', params: [] };
  if (typeof value === 'string' || typeof value === 'number') return { sql: '?', params: [value] };
  throw new UnsupportedExpression('only strings, numbers, booleans and null can be compared with fields');
}

/** A value bound as a parameter, not as a truth value (true/false compared with a boolean column). */
function valueOf(term: Term): { sql: string; params: TxValue[] } {
  if (term.kind === 'const' && typeof term.value === 'boolean') return { sql: '?', params: [term.value] };
  return sqlOf(term);
}

const COMPARE: Record<string, string> = { '==': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

function compareConstants(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return (a as number) < (b as number);
    case '<=':
      return (a as number) <= (b as number);
    case '>':
      return (a as number) > (b as number);
    default:
      return (a as number) >= (b as number);
  }
}

/**
 * Translates a permission expression to a SQL condition over the resource's columns, so that a list applies it as a
 * filter in the query (paging and counts stay right). The user's attributes are constants here; record fields are
 * columns, named bare (`owner`) or as `record.owner`.
 */
export function celToSql(node: ASTNode, scope: SqlScope): Term {
  switch (node.op) {
    case 'value':
      return constant(node.args);
    case 'id':
      return column(node.args as string, scope);
    case '.': {
      const [object, property] = node.args as [ASTNode, string];
      if (object.op === 'id' && object.args === 'user') return constant(scope.user[property] ?? null);
      if (object.op === 'id' && object.args === 'record') return column(property, scope);
      throw new UnsupportedExpression(`'${property}' is neither a field of the resource nor user.*`);
    }
    case 'list':
      return constant((node.args as ASTNode[]).map((item) => {
        const term = celToSql(item, scope);
        if (term.kind !== 'const') throw new UnsupportedExpression('lists may hold only constants');
        return term.value;
      }));
    case '!_': {
      const inner = celToSql(node.args as ASTNode, scope);
      if (inner.kind === 'const') return constant(!inner.value);
      const condition = conditionOf(inner);
      return { kind: 'sql', sql: `NOT (${condition.sql})`, params: condition.params, type: 'boolean' };
    }
    case '&&':
    case '||': {
      const [left, right] = (node.args as [ASTNode, ASTNode]).map((n) => celToSql(n, scope)) as [Term, Term];
      const and = node.op === '&&';
      for (const [one, other] of [[left, right], [right, left]] as const) {
        if (one.kind === 'const') {
          if (Boolean(one.value) === !and) return constant(!and); // false && x, true || x
          return other.kind === 'const' ? other : { kind: 'sql', ...conditionOf(other), type: 'boolean' };
        }
      }
      const a = conditionOf(left);
      const b = conditionOf(right);
      return { kind: 'sql', sql: `(${a.sql}) ${and ? 'AND' : 'OR'} (${b.sql})`, params: [...a.params, ...b.params], type: 'boolean' };
    }
    case 'in': {
      const [left, right] = (node.args as [ASTNode, ASTNode]).map((n) => celToSql(n, scope)) as [Term, Term];
      if (right.kind !== 'const' || !Array.isArray(right.value)) throw new UnsupportedExpression('`in` needs a list of constants (or user.roles) on its right');
      const values = right.value as unknown[];
      if (left.kind === 'const') return constant(values.includes(left.value));
      if (values.length === 0) return constant(false);
      for (const value of values) sameType(left, constant(value));
      return {
        kind: 'sql',
        sql: `${left.sql} IN (${values.map(() => '?').join(', ')})`,
        params: [...left.params, ...(values as TxValue[])],
        type: 'boolean',
      };
    }
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const [left, right] = (node.args as [ASTNode, ASTNode]).map((n) => celToSql(n, scope)) as [Term, Term];
      if (left.kind === 'const' && right.kind === 'const') return constant(compareConstants(node.op, left.value, right.value));
      const nullSide = left.kind === 'const' && left.value === null ? right : right.kind === 'const' && right.value === null ? left : undefined;
      if (nullSide !== undefined && (node.op === '==' || node.op === '!=')) {
        const s = sqlOf(nullSide);
        return { kind: 'sql', sql: `${s.sql} IS ${node.op === '==' ? '' : 'NOT '}NULL`, params: s.params, type: 'boolean' };
      }
      sameType(left, right);
      const a = valueOf(left);
      const b = valueOf(right);
      return { kind: 'sql', sql: `${a.sql} ${COMPARE[node.op]} ${b.sql}`, params: [...a.params, ...b.params], type: 'boolean' };
    }
    default:
      throw new UnsupportedExpression(`'${node.op}' can't be applied as a filter`);
  }
}

/** A whole permission expression as a filter: a constant verdict, or a SQL condition. */
export function celFilter(node: ASTNode, scope: SqlScope): { kind: 'const'; value: unknown } | { kind: 'sql'; sql: string; params: TxValue[] } {
  const term = celToSql(node, scope);
  return term.kind === 'const' ? term : { kind: 'sql', ...conditionOf(term) };
}
