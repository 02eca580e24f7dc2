import { DbForgeError } from '@dbforge/contracts';
import type { SqlParams, SqlValue } from '@dbforge/contracts';

/** Values a statement can be bound to after normalisation. */
export type BindValue = string | number | bigint | Buffer | null;

/**
 * A value as it is bound, or throws naming its place in the request (`where`, then the parameter set's index when
 * there is one, then the value's index or name): the place is built only for an error, as a bulk batch binds 100,000
 * sets.
 */
function bindValue(value: SqlValue | undefined, where: string, set: number | undefined, key: number | string): BindValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw badParam(place(where, set, key), 'must be a finite number');
      return value;
    case 'boolean':
      return value ? 1 : 0;
    default:
      throw badParam(place(where, set, key), 'must be a string, a number, a boolean or null');
  }
}

function place(where: string, set: number | undefined, key: number | string): string {
  const base = set === undefined ? where : `${where}[${set}]`;
  return typeof key === 'number' ? `${base}[${key}]` : `${base}.${key}`;
}

export function badParam(where: string, message: string): DbForgeError {
  return new DbForgeError('VALIDATION_ERROR', `Invalid request: ${where} ${message}.`, {
    details: [{ field: where, message }],
  });
}

/**
 * Positional params stay an array (the request's own array when every value binds as it is, so that a bulk batch
 * allocates nothing per set); named params lose their `:`, `@` or `$` prefix (both engines bind by bare name). `set`
 * is the index of a batch statement's parameter set, for error messages.
 */
export function normaliseParams(params: SqlParams | undefined, where = 'body.params', set?: number): BindValue[] | Record<string, BindValue> {
  if (params === undefined || params === null) return [];
  if (Array.isArray(params)) {
    let out: BindValue[] | undefined;
    for (let i = 0; i < params.length; i++) {
      const value = params[i];
      const bound = bindValue(value, where, set, i);
      if (out === undefined && bound !== value) out = params.slice(0, i) as BindValue[];
      if (out !== undefined) out.push(bound);
    }
    return out ?? (params as BindValue[]);
  }
  const out: Record<string, BindValue> = {};
  for (const [key, value] of Object.entries(params)) {
    const bare = key.startsWith(':') || key.startsWith('@') || key.startsWith('$') ? key.slice(1) : key;
    out[bare] = bindValue(value, where, set, key);
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
