import { describe, expect, it } from 'vitest';
import { changedQuotas, describeQuota, quotaForm, quotasFromForm, sizeInUnits, type QuotaForm } from '@/lib/quotas';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe('quota sizes', () => {
  it.each([
    [GiB, { value: '1', unit: 'GiB' }],
    [512 * MiB, { value: '512', unit: 'MiB' }],
    [1536 * MiB, { value: '1536', unit: 'MiB' }],
    [2 * 1024 * GiB, { value: '2', unit: 'TiB' }],
    [65_536, { value: '64', unit: 'KiB' }],
    [100_000, { value: '100000', unit: 'bytes' }],
  ])('%d bytes are shown whole as %j', (bytes, shown) => {
    expect(sizeInUnits(bytes)).toEqual(shown);
  });

  it('survive a form saved untouched, to the byte', () => {
    for (const bytes of [GiB, 100_000, 65_536, 3 * MiB + 1024]) {
      const quotas = { max_databases: 3, max_database_bytes: bytes, requests_per_second: null };
      expect(quotasFromForm(quotaForm(quotas))).toEqual({ quotas, problems: {} });
      expect(changedQuotas(quotas, quotasFromForm(quotaForm(quotas)).quotas)).toEqual({});
    }
  });
});

describe('the quota form', () => {
  const empty: QuotaForm = { max_databases: '', max_database_size: '', max_database_unit: 'GiB', requests_per_second: '' };

  it('reads empty fields as no limit', () => {
    expect(quotasFromForm(empty)).toEqual({ quotas: { max_databases: null, max_database_bytes: null, requests_per_second: null }, problems: {} });
  });

  it('turns a size and a unit into bytes', () => {
    expect(quotasFromForm({ ...empty, max_database_size: '1.5', max_database_unit: 'GiB' }).quotas.max_database_bytes).toBe(1.5 * GiB);
    expect(quotasFromForm({ ...empty, max_database_size: '256', max_database_unit: 'MiB' }).quotas.max_database_bytes).toBe(256 * MiB);
  });

  it.each<[Partial<QuotaForm>, string, string]>([
    [{ max_databases: '-1' }, 'max_databases', 'Between 0 and 100,000.'],
    [{ max_databases: '2.5' }, 'max_databases', 'Enter a whole number, or leave it empty for no limit.'],
    [{ requests_per_second: '0' }, 'requests_per_second', 'Between 1 and 1,000,000.'],
    [{ max_database_size: '10', max_database_unit: 'KiB' }, 'max_database_size', 'At least 64 KiB.'],
    [{ max_database_size: '0' }, 'max_database_size', 'Enter a size, or leave it empty for no limit.'],
    [{ max_database_size: 'lots' }, 'max_database_size', 'Enter a size, or leave it empty for no limit.'],
  ])('refuses %j: %s %s', (fields, key, problem) => {
    expect(quotasFromForm({ ...empty, ...fields }).problems).toEqual({ [key]: problem });
  });

  it('sends only what changed', () => {
    expect(changedQuotas({ max_databases: 5, max_database_bytes: null, requests_per_second: 10 }, { max_databases: 5, max_database_bytes: GiB, requests_per_second: null })).toEqual({
      max_database_bytes: GiB,
      requests_per_second: null,
    });
  });

  it.each([
    ['max_databases', null, 'No limit'],
    ['max_databases', 12000, '12,000'],
    ['max_database_bytes', GiB, '1.0 GiB'],
    ['requests_per_second', 50, '50 per second'],
  ] as const)('describes %s = %j as %s', (key, value, words) => {
    expect(describeQuota(key, value)).toBe(words);
  });
});
