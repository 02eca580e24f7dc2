import { Environment } from '@marcbachmann/cel-js';
import { DbForgeError } from '@dbforge/contracts';
import type { Actor, FieldDef, ResourceDef, RuleDef, RuleEvent } from './model.js';

export { ADMIN_ACTOR, type Actor } from './model.js';

/**
 * Rule conditions are CEL (Common Expression Language): no loops, no I/O, no access to anything but the values given,
 * and bounded in size. Undeclared names are dynamic, so a condition may name a field directly (`credit_limit > 50000`,
 * as in DBBasic) or through `record`, `old` and `user`.
 */
const environment = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  limits: { maxAstNodes: 2000, maxDepth: 64, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 },
});

type Program = ReturnType<typeof environment.parse>;
const cache = new Map<string, Program>();

function compile(expression: string): Program {
  let program = cache.get(expression);
  if (program === undefined) {
    program = environment.parse(expression);
    if (cache.size > 5000) cache.clear();
    cache.set(expression, program);
  }
  return program;
}

/** Undefined when the expression is valid CEL; the parser's message (first line) otherwise. */
export function checkExpression(expression: string): string | undefined {
  try {
    compile(expression);
    return undefined;
  } catch (error) {
    return ((error as Error).message.split('\n')[0] ?? 'invalid').trim();
  }
}

/** A record's values as CEL sees them: integers as CEL ints, decimals as doubles. */
function celValue(field: FieldDef | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (field && (field.kind === 'integer' || field.kind === 'bigint') && !field.manyToMany) {
    if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
    if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  }
  if (field?.kind === 'decimal' && typeof value === 'string') return Number(value);
  if (field?.manyToMany && Array.isArray(value)) return value.map((v) => (typeof v === 'number' ? BigInt(v) : v));
  return value;
}

function celRecord(resource: ResourceDef, record: Record<string, unknown> | null): Record<string, unknown> | null {
  if (record === null) return null;
  const out: Record<string, unknown> = {};
  for (const field of resource.fields) out[field.name] = celValue(field, record[field.name]);
  return out;
}

/** Back from CEL to JSON: ints become numbers (or strings past 2^53). */
function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCel(v)]));
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromCel(v)]));
  }
  return value;
}

export interface RuleContext {
  resource: ResourceDef;
  event: RuleEvent;
  /** The new record (create, update) or the stored one (delete). */
  record: Record<string, unknown>;
  old: Record<string, unknown> | null;
  actor: Actor;
  now: string;
}

function evaluate(rule: RuleDef, expression: string, variables: Record<string, unknown>): unknown {
  try {
    return compile(expression)(variables);
  } catch (error) {
    // A condition that can't be evaluated (a missing field, a type mismatch) refuses the write: rules guard it.
    throw new DbForgeError('VALIDATION_ERROR', `Rule '${rule.name}' could not be evaluated: ${((error as Error).message.split('\n')[0] ?? '').trim()}`, {
      details: [{ field: `rule.${rule.name}`, message: 'could not be evaluated' }],
    });
  }
}

/**
 * A condition over a field without a value (`credit_limit > 50000` when credit_limit is null) does not hold, as in
 * SQL; any other failure (an unknown name, a type mismatch) refuses the write.
 */
function conditionHolds(rule: RuleDef, expression: string, variables: Record<string, unknown>): boolean {
  try {
    return compile(expression)(variables) === true;
  } catch (error) {
    if (/null/.test((error as Error).message.split('\n')[0] ?? '')) return false;
    return evaluate(rule, expression, variables) === true;
  }
}

/**
 * Runs a resource's rules for one event, in order. `reject` answers 422, `require_role` 403 unless the actor has the
 * role, `set` changes the new record (later rules see the change). Returns the fields that rules set.
 */
export function applyRules(context: RuleContext): Record<string, unknown> {
  const { resource, event, actor } = context;
  const changed: Record<string, unknown> = {};
  for (const rule of resource.rules) {
    if (rule.event !== event) continue;
    const record = celRecord(resource, context.record)!;
    const variables: Record<string, unknown> = {
      ...record,
      record,
      old: celRecord(resource, context.old),
      user: { id: actor.id, roles: actor.roles },
      now: context.now,
    };
    if (rule.condition !== undefined) {
      const result = conditionHolds(rule, rule.condition, variables);
      if (!result) continue;
    }
    switch (rule.action) {
      case 'reject':
        throw new DbForgeError('VALIDATION_ERROR', rule.message ?? `Refused by rule '${rule.name}'.`, {
          details: [{ field: `rule.${rule.name}`, message: rule.message ?? 'refused the write' }],
        });
      case 'require_role':
        if (!actor.roles.includes(rule.role!)) {
          throw new DbForgeError('FORBIDDEN', rule.message ?? `Rule '${rule.name}' requires the role '${rule.role}'.`, {
            details: { rule: rule.name, role: rule.role },
          });
        }
        break;
      case 'set':
        for (const [field, expression] of Object.entries(rule.set ?? {})) {
          const value = fromCel(evaluate(rule, expression, variables));
          context.record[field] = value;
          changed[field] = value;
        }
        break;
    }
  }
  return changed;
}
