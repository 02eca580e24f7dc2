import { DbForgeError, quoteIdentifier as q } from '@dbforge/contracts';
import type * as CelModule from '@marcbachmann/cel-js';
import type { TxValue } from '../types.js';
import type { Actor, FieldKind, PermissionSpec, ResourceDef } from './model.js';
import { celFilter, UnsupportedExpression } from './cel-sql.js';

export type Operation = 'list' | 'read' | 'create' | 'update' | 'delete';

/** A SQL condition, or a verdict that needs none. */
export type Filter = boolean | { sql: string; params: TxValue[] };

type Cel = typeof CelModule;
let cel: Cel | undefined;
/** CEL is loaded only by databases whose permissions use expressions. */
export async function loadPermissionLanguage(): Promise<void> {
  cel ??= await import('@marcbachmann/cel-js');
}

/**
 * Platform callers (keys, members, the platform admin) act as the database's administrator: permissions are for the
 * database's own end users and for anonymous callers.
 */
export function bypassesPermissions(actor: Actor): boolean {
  return actor.kind === undefined || actor.kind === 'platform';
}

/**
 * `user.id` of an anonymous caller: a value no record holds, so that a rule such as `owner_id == user.id` never matches
 * a record whose owner is empty (with null, `null == null` would let anonymous callers read and change those). Rules
 * tell signed-in callers by `user.authenticated`.
 */
const ANONYMOUS_ID = '\u0000anonymous';

function userObject(actor: Actor): Record<string, unknown> {
  const authenticated = actor.kind === 'user';
  return {
    id: authenticated ? actor.id : ANONYMOUS_ID,
    roles: authenticated ? actor.roles : [],
    role: authenticated ? (actor.roles[0] ?? '') : '',
    authenticated,
  };
}

function isAdmin(actor: Actor): boolean {
  return actor.kind === 'user' && actor.roles.includes('admin');
}

/** The owner of a record: its `auto_user_add` field (who created it). */
export function ownerField(resource: ResourceDef): string | undefined {
  return resource.fields.find((f) => f.magic === 'auto_user_add')?.name;
}

function parseCel(expression: string) {
  if (cel === undefined) throw new Error('loadPermissionLanguage() first');
  return cel.parse(expression);
}

/** A named condition's expression, or undefined when it is not defined (it then grants nothing). */
function conditionExpression(resource: ResourceDef, condition: string): string | undefined {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(condition)) return (resource.conditions ?? {})[condition];
  return condition;
}

/* ---------------------------------------------------------------- one record */

function keywordAllows(resource: ResourceDef, keyword: string, actor: Actor, record: Record<string, unknown> | null): boolean {
  const owner = ownerField(resource);
  const ownsIt = () => actor.kind === 'user' && owner !== undefined && record !== null && String(record[owner] ?? '') === actor.id;
  switch (keyword) {
    case 'public':
      return true;
    case 'authenticated':
      return actor.kind === 'user';
    case 'owner':
      return ownsIt();
    case 'admin':
    case 'admin_only':
      return isAdmin(actor);
    case 'owner_or_admin':
      return isAdmin(actor) || ownsIt();
    case 'self':
      return actor.kind === 'user' && record !== null && String(record[resource.primaryKey] ?? '') === actor.id;
    case 'system':
    case 'none':
      return false;
    default:
      return actor.kind === 'user' && actor.roles.includes(keyword);
  }
}

function expressionAllows(expression: string, actor: Actor, record: Record<string, unknown> | null): boolean {
  try {
    const context = { ...(record ?? {}), record: record ?? {}, user: userObject(actor) };
    return parseCel(expression)(context) === true;
  } catch {
    return false; // an expression that fails to evaluate grants nothing
  }
}

function specAllows(resource: ResourceDef, spec: PermissionSpec, actor: Actor, record: Record<string, unknown> | null): boolean {
  switch (spec.kind) {
    case 'keyword':
      return keywordAllows(resource, spec.keyword, actor, record);
    case 'rule':
      return expressionAllows(spec.expression, actor, record);
    case 'by_field': {
      if (record === null) return false;
      const keyword = spec.values[String(record[spec.field] ?? '')];
      return keyword !== undefined && keywordAllows(resource, keyword, actor, record);
    }
    case 'list':
      return spec.entries.some((entry) => {
        if ('role' in entry) return entry.role === 'public' || (actor.kind === 'user' && actor.roles.includes(entry.role));
        const expression = conditionExpression(resource, entry.condition);
        return expression !== undefined && expressionAllows(expression, actor, record);
      });
  }
}

/** The permission that governs an operation: a list falls back to read; nothing written denies end users. */
function specFor(resource: ResourceDef, operation: Operation): PermissionSpec | undefined {
  return resource.permissions[operation] ?? (operation === 'list' ? resource.permissions.read : undefined);
}

/** Whether the actor may do `operation` to this record (for create: the record about to be stored). */
export function allows(resource: ResourceDef, operation: Operation, actor: Actor, record: Record<string, unknown> | null): boolean {
  if (bypassesPermissions(actor)) return true;
  const spec = specFor(resource, operation);
  return spec !== undefined && specAllows(resource, spec, actor, record);
}

/* ---------------------------------------------------------------- many records: a SQL filter */

function or(parts: Filter[]): Filter {
  if (parts.some((p) => p === true)) return true;
  const sql = parts.filter((p): p is { sql: string; params: TxValue[] } => typeof p === 'object');
  if (sql.length === 0) return false;
  return { sql: sql.map((p) => `(${p.sql})`).join(' OR '), params: sql.flatMap((p) => p.params) };
}

function keywordFilter(resource: ResourceDef, keyword: string, actor: Actor): Filter {
  const owner = ownerField(resource);
  const ownerFilter: Filter = actor.kind === 'user' && owner !== undefined ? { sql: `${q(owner)} = ?`, params: [actor.id] } : false;
  switch (keyword) {
    case 'public':
      return true;
    case 'authenticated':
      return actor.kind === 'user';
    case 'owner':
      return ownerFilter;
    case 'admin':
    case 'admin_only':
      return isAdmin(actor);
    case 'owner_or_admin':
      return isAdmin(actor) || ownerFilter;
    case 'self':
      return actor.kind === 'user' ? { sql: `${q(resource.primaryKey)} = ?`, params: [actor.id] } : false;
    case 'system':
    case 'none':
      return false;
    default:
      return actor.kind === 'user' && actor.roles.includes(keyword);
  }
}

/** How a field's values compare in SQL as in CEL. */
const FILTER_TYPES: Partial<Record<FieldKind, 'string' | 'number' | 'boolean'>> = {
  string: 'string',
  text: 'string',
  email: 'string',
  url: 'string',
  select: 'string',
  uuid: 'string',
  cuid: 'string',
  date: 'string',
  timestamp: 'string',
  integer: 'number',
  bigint: 'number',
  decimal: 'number',
  boolean: 'boolean',
};

function expressionFilter(resource: ResourceDef, expression: string, actor: Actor): Filter {
  const columns = new Map<string, 'string' | 'number' | 'boolean'>();
  for (const field of resource.fields) {
    // Stored as the expression sees it: not links, not ciphertext or hashes, not JSON or files.
    if (field.manyToMany || field.security.encrypt || field.security.hash) continue;
    const type = FILTER_TYPES[field.kind];
    if (type !== undefined) columns.set(field.name, type);
  }
  try {
    const term = celFilter(parseCel(expression).ast, { columns, user: userObject(actor) });
    if (term.kind === 'const') return term.value === true;
    return { sql: term.sql, params: term.params };
  } catch (error) {
    if (error instanceof UnsupportedExpression) {
      throw new DbForgeError('CAPABILITY_NOT_SUPPORTED', `The permission '${expression}' can't be applied to a list: ${error.message}.`);
    }
    return false;
  }
}

/** The rows of a list the actor may see, as a condition for the query's WHERE (never fetch-then-filter). */
export function listFilter(resource: ResourceDef, actor: Actor): Filter {
  if (bypassesPermissions(actor)) return true;
  const spec = specFor(resource, 'list');
  if (spec === undefined) return false;
  switch (spec.kind) {
    case 'keyword':
      return keywordFilter(resource, spec.keyword, actor);
    case 'rule':
      return expressionFilter(resource, spec.expression, actor);
    case 'by_field':
      return or(
        Object.entries(spec.values).map(([value, keyword]) => {
          const inner = keywordFilter(resource, keyword, actor);
          if (inner === false) return false;
          const match = { sql: `${q(spec.field)} = ?`, params: [value] as TxValue[] };
          return inner === true ? match : { sql: `${match.sql} AND (${inner.sql})`, params: [...match.params, ...inner.params] };
        }),
      );
    case 'list':
      return or(
        spec.entries.map((entry) => {
          if ('role' in entry) return entry.role === 'public' || (actor.kind === 'user' && actor.roles.includes(entry.role));
          const expression = conditionExpression(resource, entry.condition);
          return expression === undefined ? false : expressionFilter(resource, expression, actor);
        }),
      );
  }
}

/* ---------------------------------------------------------------- fields */

/** Fields the actor may not see in this record (field-level `read`). */
export function hiddenFields(resource: ResourceDef, actor: Actor, record: Record<string, unknown>): string[] {
  if (bypassesPermissions(actor)) return [];
  return resource.fields.filter((f) => f.permissions?.read && !specAllows(resource, f.permissions.read, actor, record)).map((f) => f.name);
}

/** Fields of the body the actor may not set (field-level `write`). */
export function unwritableFields(resource: ResourceDef, actor: Actor, record: Record<string, unknown>, body: Record<string, unknown>): string[] {
  if (bypassesPermissions(actor)) return [];
  return resource.fields
    .filter((f) => Object.hasOwn(body, f.name) && f.permissions?.write && !specAllows(resource, f.permissions.write, actor, record))
    .map((f) => f.name);
}

/** Whether any permission of the resource needs the expression language. */
export function usesExpressions(resource: ResourceDef): boolean {
  const specs = [
    ...Object.values(resource.permissions),
    ...resource.fields.flatMap((f) => [f.permissions?.read, f.permissions?.write]),
  ].filter((s): s is PermissionSpec => s !== undefined);
  return specs.some((s) => s.kind === 'rule' || (s.kind === 'list' && s.entries.some((e) => 'condition' in e)));
}
