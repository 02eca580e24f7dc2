import { DbForgeError, Errors, quoteIdentifier as q, type EngineName, type FieldProblem } from '@dbforge/contracts';
import type { TxValue } from '../types.js';
import { joinTableOf, type FieldDef, type ResourceDef } from './model.js';
import { coerceInput, coerceKey, fromText, toStorage } from './values.js';
import { isHidden } from './model.js';

/** Query parameters with a meaning of their own; every other one is a filter. */
const RESERVED = new Set(['q', 'sort', 'limit', 'offset', 'cursor', 'count', 'format']);
export const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'like', 'null'] as const;
type Operator = (typeof OPERATORS)[number];
const SQL_OPERATORS: Record<'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte', string> = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };
export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 25;

export interface SortKey {
  field: string;
  descending: boolean;
}

export interface ListQuery {
  where: string[];
  params: TxValue[];
  sort: SortKey[];
  limit: number;
  offset: number;
  /** Values of the sort keys of the last row already seen (keyset pagination). */
  after?: unknown[] | undefined;
  count: boolean;
}

function badRequest(message: string): DbForgeError {
  return new DbForgeError('BAD_REQUEST', message);
}

/** Fields that can be filtered and sorted on: stored in a column, in clear, and comparable. */
function filterable(field: FieldDef): boolean {
  return !isHidden(field) && !field.security.encrypt && field.kind !== 'file';
}

function sortable(field: FieldDef): boolean {
  return filterable(field) && !field.manyToMany && field.kind !== 'json';
}

/** `name[gte]` as a field and an operator. */
function splitKey(key: string): { field: string; op: string } {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)\[([a-z]+)\]$/.exec(key);
  return match ? { field: match[1]!, op: match[2]! } : { field: key, op: 'eq' };
}

/** LIKE text that matches `text` literally inside a longer value: %, _ and the escape itself are escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Turns a list request's query string into SQL conditions over real columns (identifiers checked against the
 * resource, values bound), a sort with the primary key as the last tie-breaker, and the page.
 */
export function parseListQuery(
  resource: ResourceDef,
  raw: Record<string, unknown>,
  engine: EngineName,
  keyKind: (field: FieldDef) => FieldDef['kind'],
  /** Fields the caller may not read of every record (a field-level read permission): no filter, sort or search on them. */
  restricted: (field: FieldDef) => boolean = () => false,
): ListQuery {
  const where: string[] = [];
  const params: TxValue[] = [];
  const problems: FieldProblem[] = [];
  const pk = resource.fields.find((f) => f.primary)!;
  const like = engine === 'duckdb' ? 'ILIKE' : 'LIKE';

  for (const [key, rawValue] of Object.entries(raw)) {
    if (RESERVED.has(key)) continue;
    const values = Array.isArray(rawValue) ? rawValue.map(String) : [String(rawValue)];
    const { field: name, op } = splitKey(key);
    const field = resource.fields.find((f) => f.name === name);
    if (field === undefined) throw badRequest(`Unknown field '${name}' in the query: resource '${resource.name}' has no such field.`);
    if (!filterable(field)) throw badRequest(`The field '${name}' can't be filtered on (it is protected, hashed, encrypted or a file).`);
    if (restricted(field)) throw new DbForgeError('FORBIDDEN', `You may not filter on '${name}': its read permission keeps it from you.`);
    if (!(OPERATORS as readonly string[]).includes(op)) {
      throw badRequest(`Unknown operator '[${op}]' for '${name}': use one of ${OPERATORS.map((o) => `[${o}]`).join(', ')}.`);
    }
    for (const value of values) {
      const where1 = condition(field, op as Operator, value, `querystring.${key}`);
      if (where1 !== undefined) where.push(where1);
    }
  }

  function condition(field: FieldDef, op: Operator, text: string, at: string): string | undefined {
    const column = q(field.name);
    if (op === 'null') {
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') {
        problems.push({ field: at, message: 'must be true or false' });
        return undefined;
      }
      if (field.manyToMany) {
        const exists = `EXISTS (SELECT 1 FROM ${q(joinTableOf(resource.name, field.name))} j WHERE j.source_id = ${q(resource.table)}.${q(pk.name)})`;
        return lower === 'true' ? `NOT ${exists}` : exists;
      }
      return `${column} IS ${lower === 'true' ? '' : 'NOT '}NULL`;
    }
    if (op === 'like') {
      if (!['string', 'text', 'email', 'url', 'select', 'uuid', 'cuid'].includes(field.kind) || field.manyToMany) {
        problems.push({ field: at, message: '[like] applies to text fields only' });
        return undefined;
      }
      params.push(text);
      return `${engine === 'duckdb' ? `CAST(${column} AS VARCHAR)` : column} ${like} ? ESCAPE '\\'`;
    }
    const parts = op === 'in' ? text.split(',').map((p) => p.trim()) : [text];
    const bound: TxValue[] = [];
    for (const part of parts) {
      if (field.manyToMany || field.references !== undefined) {
        const kind = field.manyToMany ? keyKind(field) : field.kind;
        const key = field.manyToMany ? coerceKey(kind, part) : coerceInput(field, fromText(field, part));
        if (!key.ok) {
          problems.push({ field: at, message: key.message });
          return undefined;
        }
        bound.push(field.manyToMany ? (key.value as TxValue) : toStorage(field, key.value, engine));
        continue;
      }
      const coerced = coerceInput(field, fromText(field, part));
      if (!coerced.ok) {
        problems.push({ field: at, message: coerced.message });
        return undefined;
      }
      bound.push(toStorage(field, coerced.value, engine));
    }
    if (field.manyToMany) {
      if (op !== 'eq' && op !== 'in' && op !== 'ne') {
        problems.push({ field: at, message: `[${op}] does not apply to a list of links` });
        return undefined;
      }
      params.push(...bound);
      const exists =
        `EXISTS (SELECT 1 FROM ${q(joinTableOf(resource.name, field.name))} j WHERE j.source_id = ${q(resource.table)}.${q(pk.name)} ` +
        `AND j.target_id IN (${bound.map(() => '?').join(', ')}))`;
      return op === 'ne' ? `NOT ${exists}` : exists;
    }
    if (op === 'in') {
      params.push(...bound);
      return `${column} IN (${bound.map(() => '?').join(', ')})`;
    }
    if (field.kind === 'json' || field.kind === 'boolean') {
      if (op !== 'eq' && op !== 'ne') {
        problems.push({ field: at, message: `[${op}] does not apply to a ${field.type} field` });
        return undefined;
      }
    }
    params.push(bound[0]!);
    if (field.kind === 'json') return `${column} ${op === 'ne' ? '<>' : '='} ${engine === 'duckdb' ? 'CAST(? AS JSON)' : '?'}`;
    return `${column} ${SQL_OPERATORS[op]} ?`;
  }

  // q: a case-insensitive substring search across the searchable fields.
  if (raw.q !== undefined && String(raw.q) !== '') {
    const searchable = resource.fields.filter((f) => f.searchable && filterable(f) && !restricted(f));
    if (searchable.length === 0) throw badRequest(`Resource '${resource.name}' has no searchable fields: mark fields with \`searchable: true\` to use q=.`);
    const pattern = containsPattern(String(raw.q));
    where.push(`(${searchable.map((f) => `${q(f.name)} ${like} ? ESCAPE '\\'`).join(' OR ')})`);
    for (let i = 0; i < searchable.length; i++) params.push(pattern);
  }

  const sort: SortKey[] = [];
  if (raw.sort !== undefined && String(raw.sort) !== '') {
    for (const part of String(raw.sort).split(',')) {
      const trimmed = part.trim();
      if (trimmed === '') continue;
      const descending = trimmed.startsWith('-');
      const name = trimmed.replace(/^[-+]/, '');
      const field = resource.fields.find((f) => f.name === name);
      if (field === undefined) throw badRequest(`Unknown field '${name}' in sort: resource '${resource.name}' has no such field.`);
      if (!sortable(field)) throw badRequest(`The field '${name}' can't be sorted on.`);
      if (restricted(field)) throw new DbForgeError('FORBIDDEN', `You may not sort on '${name}': its read permission keeps it from you.`);
      if (!sort.some((s) => s.field === name)) sort.push({ field: name, descending });
    }
  }
  if (!sort.some((s) => s.field === pk.name)) sort.push({ field: pk.name, descending: false });

  const limitDefault = resource.perPage ?? DEFAULT_LIMIT;
  const limit = integerParam(raw.limit, 'limit', 1, MAX_LIMIT, limitDefault, problems);
  const offset = integerParam(raw.offset, 'offset', 0, Number.MAX_SAFE_INTEGER, 0, problems);
  let after: unknown[] | undefined;
  if (raw.cursor !== undefined && String(raw.cursor) !== '') {
    if (raw.offset !== undefined) problems.push({ field: 'querystring.cursor', message: "can't be combined with offset" });
    after = decodeCursor(String(raw.cursor), sort, problems);
  }
  const countText = raw.count === undefined ? 'false' : String(raw.count).toLowerCase();
  if (countText !== 'true' && countText !== 'false') problems.push({ field: 'querystring.count', message: 'must be true or false' });
  if (problems.length > 0) throw Errors.validation(problems);
  return { where, params, sort, limit, offset, after, count: countText === 'true' };
}

function integerParam(value: unknown, name: string, min: number, max: number, fallback: number, problems: FieldProblem[]): number {
  if (value === undefined || value === '') return fallback;
  const text = String(value);
  if (!/^\d+$/.test(text)) {
    problems.push({ field: `querystring.${name}`, message: 'must be an integer' });
    return fallback;
  }
  const number = Number(text);
  if (number < min || number > max) {
    problems.push({ field: `querystring.${name}`, message: `must be between ${min} and ${max}` });
    return fallback;
  }
  return number;
}

/** Cursors are opaque to clients: base64url JSON of the sort keys and the last row's values for them. */
export function encodeCursor(sort: SortKey[], values: unknown[]): string {
  return Buffer.from(JSON.stringify({ s: sort.map((k) => (k.descending ? `-${k.field}` : k.field)), v: values })).toString('base64url');
}

function decodeCursor(text: string, sort: SortKey[], problems: FieldProblem[]): unknown[] | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { s?: unknown; v?: unknown };
    const expected = sort.map((k) => (k.descending ? `-${k.field}` : k.field));
    if (!Array.isArray(parsed.s) || !Array.isArray(parsed.v) || parsed.v.length !== sort.length || JSON.stringify(parsed.s) !== JSON.stringify(expected)) {
      problems.push({ field: 'querystring.cursor', message: 'does not belong to this sort order: ask again without cursor' });
      return undefined;
    }
    return parsed.v;
  } catch {
    problems.push({ field: 'querystring.cursor', message: 'is not a cursor this API gave' });
    return undefined;
  }
}

/**
 * The keyset condition "after this row" for a sort, with nulls last when ascending and first when descending (the
 * order that the ORDER BY states explicitly on both engines).
 */
export function keysetCondition(sort: SortKey[], values: unknown[]): { sql: string; params: TxValue[] } {
  const build = (i: number): { sql: string; params: TxValue[] } => {
    const key = sort[i]!;
    const column = q(key.field);
    const value = values[i] as TxValue;
    const rest = i === sort.length - 1 ? undefined : build(i + 1);
    if (value === null) {
      // Past a null: ascending (nulls last) only more nulls follow; descending (nulls first) every non-null does.
      const same = rest === undefined ? undefined : { sql: `(${column} IS NULL AND ${rest.sql})`, params: rest.params };
      if (key.descending) {
        return same === undefined ? { sql: `${column} IS NOT NULL`, params: [] } : { sql: `(${column} IS NOT NULL OR ${same.sql})`, params: same.params };
      }
      return same ?? { sql: '1 = 0', params: [] };
    }
    const beyond = `${column} ${key.descending ? '<' : '>'} ?`;
    const strictly = key.descending ? beyond : `(${beyond} OR ${column} IS NULL)`;
    if (rest === undefined) return { sql: strictly, params: [value] };
    return { sql: `(${strictly} OR (${column} = ? AND ${rest.sql}))`, params: [value, value, ...rest.params] };
  };
  return build(0);
}

export function orderBySql(sort: SortKey[]): string {
  return sort.map((k) => `${q(k.field)} ${k.descending ? 'DESC NULLS FIRST' : 'ASC NULLS LAST'}`).join(', ');
}
