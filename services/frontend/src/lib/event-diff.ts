/** What happened to one field between an event's `before` and `after`. */
export type FieldChange = 'added' | 'removed' | 'changed' | 'unchanged';

export interface FieldDiff {
  field: string;
  before: unknown;
  after: unknown;
  /** Whether the field had a value (a key) before and after: a field that is missing differs from one that is null. */
  hasBefore: boolean;
  hasAfter: boolean;
  change: FieldChange;
}

/** Values compared as JSON with sorted keys, so `{a, b}` and `{b, a}` are the same object. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * The fields of a record before and after a change, in the record's own order (the fields of `after`, then those only
 * `before` had). A create has no `before` (every field is added), a delete no `after` (every field removed).
 */
export function diffRecords(before: Record<string, unknown> | null, after: Record<string, unknown> | null): FieldDiff[] {
  const names = [...new Set([...Object.keys(after ?? {}), ...Object.keys(before ?? {})])];
  return names.map((field) => {
    const hasBefore = before !== null && Object.prototype.hasOwnProperty.call(before, field);
    const hasAfter = after !== null && Object.prototype.hasOwnProperty.call(after, field);
    const b = hasBefore ? before![field] : undefined;
    const a = hasAfter ? after![field] : undefined;
    let change: FieldChange;
    if (!hasBefore) change = 'added';
    else if (!hasAfter) change = 'removed';
    else change = canonical(b) === canonical(a) ? 'unchanged' : 'changed';
    return { field, before: b, after: a, hasBefore, hasAfter, change };
  });
}

/** The fields an update changed, for a one-line summary. */
export function changedFields(diff: readonly FieldDiff[]): string[] {
  return diff.filter((d) => d.change !== 'unchanged').map((d) => d.field);
}

/** A value in a diff: JSON for objects, `null` for null, the string itself otherwise. */
export function diffValue(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
