import type { ApiKey } from '@dbforge/contracts';

export type KeyStatus = 'active' | 'expired' | 'revoked';

export function keyStatus(key: Pick<ApiKey, 'revoked_at' | 'expires_at'>, now: number = Date.now()): KeyStatus {
  if (key.revoked_at !== null) return 'revoked';
  if (key.expires_at !== null && Date.parse(key.expires_at) <= now) return 'expired';
  return 'active';
}

/**
 * The expiry a `datetime-local` field stands for, as the ISO instant the gateway takes: the browser reads the field
 * in its own time zone. Empty means the key never expires.
 */
export function expiryFromLocal(value: string, now: number = Date.now()): { iso: string | undefined; problem: string | null } {
  if (value.trim() === '') return { iso: undefined, problem: null };
  const time = new Date(value).getTime();
  if (Number.isNaN(time)) return { iso: undefined, problem: 'Enter a date and time.' };
  if (time <= now) return { iso: undefined, problem: 'Choose a time in the future.' };
  return { iso: new Date(time).toISOString(), problem: null };
}

/** Keys in the order a person looks for them: working keys first, newest first within each group. */
export function sortKeys<K extends Pick<ApiKey, 'revoked_at' | 'expires_at' | 'created_at'>>(keys: readonly K[], now: number = Date.now()): K[] {
  const rank: Record<KeyStatus, number> = { active: 0, expired: 1, revoked: 2 };
  return [...keys].sort((a, b) => rank[keyStatus(a, now)] - rank[keyStatus(b, now)] || b.created_at.localeCompare(a.created_at));
}
