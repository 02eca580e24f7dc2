import { describe, expect, it } from 'vitest';
import { expiryFromLocal, keyStatus, sortKeys } from '@/lib/api-keys';

const NOW = Date.parse('2026-11-23T12:00:00Z');

describe('API keys', () => {
  it.each([
    [{ revoked_at: null, expires_at: null }, 'active'],
    [{ revoked_at: null, expires_at: '2026-11-24T00:00:00Z' }, 'active'],
    [{ revoked_at: null, expires_at: '2026-11-23T12:00:00Z' }, 'expired'],
    [{ revoked_at: '2026-11-22T00:00:00Z', expires_at: '2026-11-20T00:00:00Z' }, 'revoked'],
  ])('%j is %s', (key, status) => {
    expect(keyStatus(key, NOW)).toBe(status);
  });

  it('list working keys first, newest first within each group', () => {
    const keys = [
      { name: 'old', revoked_at: null, expires_at: null, created_at: '2026-01-01T00:00:00Z' },
      { name: 'revoked', revoked_at: '2026-11-01T00:00:00Z', expires_at: null, created_at: '2026-11-20T00:00:00Z' },
      { name: 'expired', revoked_at: null, expires_at: '2026-11-01T00:00:00Z', created_at: '2026-11-21T00:00:00Z' },
      { name: 'new', revoked_at: null, expires_at: null, created_at: '2026-11-22T00:00:00Z' },
    ];
    expect(sortKeys(keys, NOW).map((k) => k.name)).toEqual(['new', 'old', 'expired', 'revoked']);
  });

  it('take their expiry from a datetime-local field in the browser’s time zone', () => {
    expect(expiryFromLocal('', NOW)).toEqual({ iso: undefined, problem: null });
    expect(expiryFromLocal('2027-01-31T09:30', NOW)).toEqual({ iso: new Date(2027, 0, 31, 9, 30).toISOString(), problem: null });
    expect(expiryFromLocal('2020-01-01T00:00', NOW)).toEqual({ iso: undefined, problem: 'Choose a time in the future.' });
    expect(expiryFromLocal('not a date', NOW)).toEqual({ iso: undefined, problem: 'Enter a date and time.' });
  });
});
