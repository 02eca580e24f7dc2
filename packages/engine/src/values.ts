import { DbForgeError } from '@dbforge/contracts';
import type { SqlParams, SqlValue } from '@dbforge/contracts';

/** Values a statement can be bound to after normalisation. */
export type BindValue = string | number | bigint | Buffer | null;

/** `where` names the value's place in the request; it is built only for an error (a bulk batch binds 100,000 sets). */
function bindValue(value: SqlValue | undefined, where: () => string): BindValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw badParam(where(), 'must be a finite number');
      return value;
    case 'boolean':
      return value ? 1 : 0;
    default:
      throw badParam(where(), 'must be a string, a number, a boolean or null');
  }
}

export function badParam(where: string, message: string): DbForgeError {
  return new DbForgeError('VALIDATION_ERROR', `Invalid request: ${where} ${message}.`, {
    details: [{ field: where, message }],
  });
}

/** Positional params stay an array; named params lose their `:`, `@` or `$` prefix (both engines bind by bare name). */
export function normaliseParams(params: SqlParams | undefined, where = 'body.params'): BindValue[] | Record<string, BindValue> {
  if (params === undefined || params === null) return [];
  if (Array.isArray(params)) {
    const out: BindValue[] = new Array(params.length);
    for (let i = 0; i < params.length; i++) out[i] = bindValue(params[i], () => `${where}[${i}]`);
    return out;
  }
  const out: Record<string, BindValue> = {};
  for (const [key, value] of Object.entries(params)) {
    const bare = key.startsWith(':') || key.startsWith('@') || key.startsWith('$') ? key.slice(1) : key;
    out[bare] = bindValue(value, () => `${where}.${key}`);
  }
  return out;
}

/** A value stored by the structured rows API: objects and arrays are kept as JSON text. */
export function rowValue(value: unknown, column: string): BindValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw badParam(`body.rows[].${column}`, 'must be a finite number');
      return value;
    case 'boolean':
      return value ? 1 : 0;
    case 'object':
      return JSON.stringify(value);
    default:
      throw badParam(`body.rows[].${column}`, 'has a type that can not be stored');
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** JSON has no 64-bit integers: a value JavaScript can hold exactly stays a number, a larger one becomes a string. */
export function jsonInteger(value: bigint): number | string {
  return value <= MAX_SAFE && value >= MIN_SAFE ? Number(value) : value.toString();
}

/**
 * Converts one row in place to JSON-safe values (bigints, blobs) and returns its approximate size in bytes as JSON,
 * used to stop a result at the byte limit without serialising it twice.
 */
export function jsonSafeRow(row: Record<string, unknown>): number {
  let bytes = 2;
  for (const key in row) {
    const value = row[key];
    bytes += key.length + 4;
    if (value === null) bytes += 4;
    else if (typeof value === 'string') bytes += value.length + 2;
    else if (typeof value === 'number') bytes += 12;
    else if (typeof value === 'bigint') {
      const converted = jsonInteger(value);
      row[key] = converted;
      bytes += 20;
    } else if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
      const encoded = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
      row[key] = encoded;
      bytes += encoded.length + 2;
    } else {
      bytes += 16;
    }
  }
  return bytes;
}
