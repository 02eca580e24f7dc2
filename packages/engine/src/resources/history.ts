import type { EngineName } from '@dbforge/contracts';
import { MASKED, type ColumnMode, type TablePolicy } from '../events/types.js';
import { columnFields, fieldOf, isHidden, type FieldDef, type ResourceDef } from './model.js';
import { fromStorage } from './values.js';
import { FieldCrypto } from './security.js';

/**
 * How a resource's records are written into its event log and read back from it. One shape for both ways a resource
 * record changes (the engine's own writes, and raw SQL captured by SQLite's triggers):
 * - personal data (`pii`, `mask_in_logs`) and `protected` fields are sealed with the database's field key, never in
 *   clear; the events API shows them as `[masked]`, a revert restores them;
 * - `password` and `hash` fields keep the stored argon2id hash (never the password), and are never shown;
 * - `encrypt` fields keep their ciphertext (shown decrypted, like the API does);
 * - booleans, JSON and file metadata as JSON values; the rest as the API answers them.
 */

function sealed(field: FieldDef): boolean {
  if (field.security.encrypt || field.security.hash || field.kind === 'password') return false;
  return field.security.pii || field.security.maskInLogs || field.security.protected;
}

function masked(field: FieldDef): boolean {
  return field.security.pii || field.security.maskInLogs;
}

/** The capture policy of a resource's table, for SQLite's triggers. */
export function tablePolicy(resource: ResourceDef): TablePolicy {
  const columns = new Map<string, ColumnMode>();
  for (const field of columnFields(resource)) {
    if (sealed(field)) columns.set(field.name, 'seal');
    else if (field.security.encrypt || field.security.hash || field.kind === 'password') columns.set(field.name, 'plain');
    else if (field.kind === 'boolean') columns.set(field.name, 'bool');
    else if (field.kind === 'json' || field.kind === 'file') columns.set(field.name, 'json');
    else columns.set(field.name, 'plain');
  }
  return { resource: resource.name, columns };
}

export type Seal = (value: string, context: string) => string;

/** A stored row (with its many-to-many links) as its event records it. */
export function eventView(
  resource: ResourceDef,
  row: Record<string, unknown>,
  links: Record<string, unknown[]>,
  engine: EngineName,
  seal: Seal,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of resource.fields) {
    if (field.manyToMany) {
      out[field.name] = links[field.name] ?? [];
      continue;
    }
    const raw = row[field.name];
    if (raw === undefined) continue;
    if (raw === null) {
      out[field.name] = null;
      continue;
    }
    if (sealed(field)) out[field.name] = seal(String(raw), `${resource.name}.${field.name}`);
    else if (field.security.encrypt || field.security.hash || field.kind === 'password') out[field.name] = raw;
    else if (field.kind === 'file') out[field.name] = safeJson(String(raw));
    else out[field.name] = fromStorage(field, raw, engine);
  }
  return out;
}

function open(crypto: FieldCrypto, value: string, context: string): unknown {
  try {
    return crypto.decrypt(value, context);
  } catch {
    return MASKED;
  }
}

/** A recorded record as the events API shows it: hidden fields left out, personal data masked, ciphertext decrypted. */
export function presentEventRecord(resource: ResourceDef | undefined, record: Record<string, unknown> | null, crypto: FieldCrypto): Record<string, unknown> | null {
  if (record === null || resource === undefined) return record;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const field = fieldOf(resource, key);
    if (field && isHidden(field)) continue;
    if (field && masked(field)) {
      out[key] = value === null ? null : MASKED;
      continue;
    }
    if (typeof value === 'string' && FieldCrypto.isEncrypted(value)) {
      const plain = open(crypto, value, `${resource.name}.${key}`);
      out[key] = field?.kind === 'json' && typeof plain === 'string' ? safeJson(plain) : plain;
      continue;
    }
    out[key] = value;
  }
  return out;
}

/** A recorded record in clear, with hidden values kept (their hashes), for a revert to write back. */
export function openEventRecord(resource: ResourceDef, record: Record<string, unknown>, crypto: FieldCrypto): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const field = fieldOf(resource, key);
    if (field && !field.security.encrypt && typeof value === 'string' && FieldCrypto.isEncrypted(value)) {
      const plain = crypto.decrypt(value, `${resource.name}.${key}`);
      out[key] = field.kind === 'json' ? safeJson(plain) : plain;
      continue;
    }
    out[key] = value;
  }
  return out;
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
