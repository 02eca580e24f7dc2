import type { TenantReply } from '@dbforge/contracts';
import { formatBytes, formatCount } from './format';

export type Quotas = TenantReply['quotas'];
export type QuotaKey = keyof Quotas;

/** Units a size quota is entered in. */
export const SIZE_UNITS = [
  { value: 'bytes', bytes: 1 },
  { value: 'KiB', bytes: 1024 },
  { value: 'MiB', bytes: 1024 ** 2 },
  { value: 'GiB', bytes: 1024 ** 3 },
  { value: 'TiB', bytes: 1024 ** 4 },
] as const;
export type SizeUnit = (typeof SIZE_UNITS)[number]['value'];

/** The gateway's bounds (QuotasSchema). */
export const QUOTA_BOUNDS = {
  max_databases: { min: 0, max: 100_000 },
  max_database_bytes: { min: 65_536, max: Number.MAX_SAFE_INTEGER },
  requests_per_second: { min: 1, max: 1_000_000 },
} as const;

/** The quotas as the form edits them: text per field, empty for "no limit", and the unit of the size. */
export interface QuotaForm {
  max_databases: string;
  max_database_size: string;
  max_database_unit: SizeUnit;
  requests_per_second: string;
}

/**
 * A size in the largest unit that holds it whole (512 MiB rather than 0.5 GiB), so that a form saved untouched sends
 * back exactly the bytes it was given.
 */
export function sizeInUnits(bytes: number): { value: string; unit: SizeUnit } {
  for (const unit of [...SIZE_UNITS].reverse()) {
    if (bytes >= unit.bytes && bytes % unit.bytes === 0) return { value: String(bytes / unit.bytes), unit: unit.value };
  }
  return { value: String(bytes), unit: 'bytes' };
}

export function quotaForm(quotas: Quotas): QuotaForm {
  const size = quotas.max_database_bytes === null ? { value: '', unit: 'GiB' as const } : sizeInUnits(quotas.max_database_bytes);
  return {
    max_databases: quotas.max_databases === null ? '' : String(quotas.max_databases),
    max_database_size: size.value,
    max_database_unit: size.unit,
    requests_per_second: quotas.requests_per_second === null ? '' : String(quotas.requests_per_second),
  };
}

export type QuotaProblems = Partial<Record<'max_databases' | 'max_database_size' | 'requests_per_second', string>>;

function wholeNumber(text: string, min: number, max: number): { value: number | null; problem?: string } {
  if (text.trim() === '') return { value: null };
  const value = Number(text);
  if (!Number.isInteger(value)) return { value: null, problem: 'Enter a whole number, or leave it empty for no limit.' };
  if (value < min || value > max) return { value: null, problem: `Between ${formatCount(min)} and ${formatCount(max)}.` };
  return { value };
}

/** The quotas a form stands for, or the problem with each field. Empty fields mean no limit (null). */
export function quotasFromForm(form: QuotaForm): { quotas: Quotas; problems: QuotaProblems } {
  const problems: QuotaProblems = {};
  const databases = wholeNumber(form.max_databases, QUOTA_BOUNDS.max_databases.min, QUOTA_BOUNDS.max_databases.max);
  if (databases.problem) problems.max_databases = databases.problem;
  const rps = wholeNumber(form.requests_per_second, QUOTA_BOUNDS.requests_per_second.min, QUOTA_BOUNDS.requests_per_second.max);
  if (rps.problem) problems.requests_per_second = rps.problem;

  let bytes: number | null = null;
  if (form.max_database_size.trim() !== '') {
    const amount = Number(form.max_database_size);
    const unit = SIZE_UNITS.find((u) => u.value === form.max_database_unit) ?? SIZE_UNITS[2];
    if (!Number.isFinite(amount) || amount <= 0) problems.max_database_size = 'Enter a size, or leave it empty for no limit.';
    else {
      bytes = Math.round(amount * unit.bytes);
      if (bytes < QUOTA_BOUNDS.max_database_bytes.min) problems.max_database_size = `At least ${formatBytes(QUOTA_BOUNDS.max_database_bytes.min)}.`;
      else if (bytes > QUOTA_BOUNDS.max_database_bytes.max) problems.max_database_size = 'Too large.';
    }
  }
  return { quotas: { max_databases: databases.value, max_database_bytes: bytes, requests_per_second: rps.value }, problems };
}

/** The quotas that differ, as PATCH takes them. */
export function changedQuotas(before: Quotas, after: Quotas): Partial<Quotas> {
  const changed: Partial<Quotas> = {};
  for (const key of Object.keys(after) as QuotaKey[]) if (after[key] !== before[key]) changed[key] = after[key];
  return changed;
}

/** A quota as a person reads it. */
export function describeQuota(key: QuotaKey, value: number | null): string {
  if (value === null) return 'No limit';
  switch (key) {
    case 'max_databases':
      return formatCount(value);
    case 'max_database_bytes':
      return formatBytes(value);
    case 'requests_per_second':
      return `${formatCount(value)} per second`;
  }
}
