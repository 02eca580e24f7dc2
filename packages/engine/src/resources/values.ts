import type { EngineName } from '@dbforge/contracts';
import type { FieldDef } from './model.js';
import type { TxValue } from '../types.js';

/**
 * Values of fields: checking what a client sends (`checkFieldValue`, `coerceInput`), turning text (CSV, query strings)
 * into values, and converting between the API's JSON and each engine's storage.
 */

// Pragmatic addresses: something@domain.tld, no spaces, no quotes; the same rule as HTML's input type=email.
const EMAIL_RE = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CUID_RE = /^c[a-z0-9]{7,31}$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const DECIMAL_RE = /^[+-]?(\d+)(?:\.(\d+))?$/;
const INTEGER_RE = /^[+-]?\d+$/;
const MAX_TEXT = 1_000_000;

export type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

const ok = (value: unknown): Coerced => ({ ok: true, value });
const fail = (message: string): Coerced => ({ ok: false, message });

function checkLength(field: FieldDef, text: string): string | undefined {
  const length = [...text].length;
  if (field.minLength !== undefined && length < field.minLength) return `must be at least ${field.minLength} characters`;
  if (field.maxLength !== undefined && length > field.maxLength) return `must be at most ${field.maxLength} characters`;
  if (length > MAX_TEXT) return `must be at most ${MAX_TEXT} characters`;
  if (field.pattern !== undefined && !new RegExp(field.pattern, 'u').test(text)) return `must match the pattern ${field.pattern}`;
  return undefined;
}

function checkRange(field: FieldDef, value: number): string | undefined {
  if (field.min !== undefined && value < field.min) return `must be at least ${field.min}`;
  if (field.max !== undefined && value > field.max) return `must be at most ${field.max}`;
  return undefined;
}

/** A date and time in ISO 8601, as the canonical UTC text `YYYY-MM-DDTHH:MM:SS.sssZ`; undefined when it is not one. */
export function normaliseTimestamp(text: string): string | undefined {
  const match = DATETIME_RE.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d] = match;
  const zone = match[8] ?? 'Z';
  const iso = `${y}-${mo}-${d}T${match[4] ?? '00'}:${match[5] ?? '00'}:${match[6] ?? '00'}.${(match[7] ?? '0').padEnd(3, '0').slice(0, 3)}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return undefined;
  // A day that does not exist (February 30th) rolls over in Date: refuse it, whatever the offset (checked on the date
  // as written, before the offset moves it).
  const written = new Date(`${y}-${mo}-${d}T00:00:00.000Z`);
  if (Number.isNaN(written.getTime()) || written.getUTCMonth() + 1 !== Number(mo) || written.getUTCDate() !== Number(d)) return undefined;
  return date.toISOString();
}

export function normaliseDate(text: string): string | undefined {
  const match = DATE_RE.exec(text.trim());
  if (!match) return undefined;
  const date = new Date(`${match[0]}T00:00:00.000Z`);
  if (Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(match[3]) || date.getUTCMonth() + 1 !== Number(match[2])) return undefined;
  return match[0];
}

function checkDecimal(field: FieldDef, value: unknown): Coerced {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? numberText(value) : '') : typeof value === 'string' ? value.trim() : '';
  const match = DECIMAL_RE.exec(text);
  if (!match) return fail('must be a number');
  const intDigits = match[1]!.replace(/^0+(?=\d)/, '').length;
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  const precision = field.precision ?? 10;
  const scale = field.scale ?? 2;
  if (fraction.length > scale) return fail(`must have at most ${scale} decimal places`);
  if (intDigits > precision - scale) return fail(`must have at most ${precision - scale} digits before the decimal point`);
  const range = checkRange(field, Number(text));
  if (range) return fail(range);
  return ok(text.replace(/^\+/, ''));
}

/** Plain decimal text of a number, without exponent notation. */
function numberText(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toFixed(20).replace(/\.?0+$/, '');
}

/**
 * Checks one value a client sent for a field (JSON types exactly, no guessing) and answers it in the API's canonical
 * form: timestamps as UTC ISO text, decimals as exact text, the rest as sent. Null is checked by the caller.
 */
export function coerceInput(field: FieldDef, value: unknown): Coerced {
  if (field.manyToMany) {
    if (!Array.isArray(value)) return fail('must be a list of ids');
    const ids: unknown[] = [];
    for (const id of value) {
      const one = coerceKey(field.kind, id);
      if (!one.ok) return fail(`must be a list of ids: ${one.message}`);
      if (!ids.includes(one.value)) ids.push(one.value);
    }
    return ok(ids);
  }
  if (field.epochMillis) {
    if (typeof value === 'number' && Number.isInteger(value)) return ok(value);
    return fail('must be an integer (milliseconds since 1970)');
  }
  switch (field.kind) {
    case 'string':
    case 'text':
    case 'password': {
      if (typeof value !== 'string') return fail('must be a string');
      const problem = checkLength(field, value);
      return problem ? fail(problem) : ok(value);
    }
    case 'email': {
      if (typeof value !== 'string') return fail('must be a string');
      if (value.length > 254 || !EMAIL_RE.test(value)) return fail('must be an email address');
      const problem = checkLength(field, value);
      return problem ? fail(problem) : ok(value);
    }
    case 'url': {
      if (typeof value !== 'string') return fail('must be a string');
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        url = undefined;
      }
      if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
        return fail('must be an http or https URL');
      }
      const problem = checkLength(field, value);
      return problem ? fail(problem) : ok(value);
    }
    case 'select': {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return fail('must be a string');
      const text = String(value);
      if (field.options && !field.options.includes(text)) return fail(`must be one of ${field.options.map((o) => JSON.stringify(o)).join(', ')}`);
      return ok(text);
    }
    case 'uuid':
      return typeof value === 'string' && UUID_RE.test(value) ? ok(value.toLowerCase()) : fail('must be a UUID');
    case 'cuid':
      return typeof value === 'string' && CUID_RE.test(value) ? ok(value) : fail('must be a cuid');
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail('must be an integer');
      if (!Number.isSafeInteger(value)) return fail('must be between -(2^53 - 1) and 2^53 - 1 (use bigint)');
      const problem = checkRange(field, value);
      return problem ? fail(problem) : ok(value);
    }
    case 'bigint': {
      let big: bigint | undefined;
      if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
      else if (typeof value === 'string' && INTEGER_RE.test(value.trim())) big = BigInt(value.trim());
      if (big === undefined) return fail('must be an integer (a string for values beyond 2^53)');
      if (big > 9223372036854775807n || big < -9223372036854775808n) return fail('must fit in 64 bits');
      const problem = checkRange(field, Number(big));
      if (problem) return fail(problem);
      return ok(big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big.toString());
    }
    case 'decimal':
      return checkDecimal(field, value);
    case 'boolean':
      return typeof value === 'boolean' ? ok(value) : fail('must be true or false');
    case 'timestamp': {
      if (typeof value !== 'string') return fail('must be a date and time in ISO 8601 (2025-01-31T09:30:00Z)');
      const iso = normaliseTimestamp(value);
      return iso ? ok(iso) : fail('must be a date and time in ISO 8601 (2025-01-31T09:30:00Z)');
    }
    case 'date': {
      if (typeof value !== 'string') return fail('must be a date (2025-01-31)');
      const date = normaliseDate(value);
      return date ? ok(date) : fail('must be a date (2025-01-31)');
    }
    case 'json':
      return ok(value);
    case 'file':
      return fail('is uploaded with PUT .../{id}/files/{field}, not in the record');
  }
}

/** A key value of a given kind (ids in references and many-to-many lists). */
export function coerceKey(kind: FieldDef['kind'], value: unknown): Coerced {
  if (kind === 'integer' || kind === 'bigint') {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return ok(value);
    if (typeof value === 'string' && INTEGER_RE.test(value)) return ok(Number(value));
    return fail('an id must be an integer');
  }
  if (typeof value === 'string' && value.length > 0) return ok(kind === 'uuid' ? value.toLowerCase() : value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return ok(String(value));
  return fail('an id must be a string');
}

/** Undefined when `value` is a valid value of the field (null counts for a nullable field); otherwise why not. */
export function checkFieldValue(field: FieldDef, value: unknown): string | undefined {
  if (value === null) return field.nullable ? undefined : 'must not be null';
  const result = coerceInput(field, value);
  return result.ok ? undefined : result.message;
}

/** A value given as text (CSV cells, query strings) as the JSON value it stands for. */
export function fromText(field: FieldDef, text: string): unknown {
  if (field.manyToMany) return text === '' ? [] : text.split(/[,;|]/).map((part) => part.trim()).filter(Boolean);
  if (field.epochMillis) return INTEGER_RE.test(text.trim()) ? Number(text.trim()) : text;
  switch (field.kind) {
    case 'integer':
      return INTEGER_RE.test(text.trim()) ? Number(text.trim()) : text;
    case 'bigint':
    case 'decimal':
      return text.trim();
    case 'boolean': {
      const lower = text.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lower)) return true;
      if (['false', '0', 'no', 'off'].includes(lower)) return false;
      return text;
    }
    case 'json':
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    default:
      return text;
  }
}

/** A checked value as it is bound for the engine. */
export function toStorage(field: FieldDef, value: unknown, engine: EngineName): TxValue {
  if (value === null || value === undefined) return null;
  if (field.epochMillis) return value as number;
  switch (field.kind) {
    case 'boolean':
      return engine === 'sqlite' ? (value ? 1 : 0) : Boolean(value);
    case 'json':
      return JSON.stringify(value);
    case 'decimal':
      // SQLite keeps numbers as 64-bit floats; DuckDB's DECIMAL takes the exact text.
      return engine === 'sqlite' ? Number(value) : String(value);
    case 'bigint':
      return typeof value === 'string' ? BigInt(value) : (value as number);
    case 'integer':
      return value as number;
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/** A stored value as the API answers it. */
export function fromStorage(field: FieldDef, raw: unknown, engine: EngineName): unknown {
  if (raw === null || raw === undefined) return null;
  if (field.epochMillis) return typeof raw === 'string' && INTEGER_RE.test(raw) ? raw : Number(raw);
  switch (field.kind) {
    case 'boolean':
      return raw === true || raw === 1 || raw === '1' || raw === 'true';
    case 'json':
      if (typeof raw !== 'string') return raw;
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    case 'decimal': {
      if (typeof raw === 'number') return field.scale !== undefined ? Number(raw.toFixed(field.scale)) : raw;
      // DuckDB answers decimals as exact text: a number when JavaScript holds it exactly.
      return (field.precision ?? 10) <= 15 ? Number(raw) : String(raw);
    }
    case 'timestamp': {
      if (engine === 'duckdb' && typeof raw === 'string') return normaliseTimestamp(raw.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')) ?? raw;
      return raw;
    }
    case 'date':
      return typeof raw === 'string' ? raw.slice(0, 10) : raw;
    default:
      return raw;
  }
}
