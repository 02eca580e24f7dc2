import { TENANT_ID_PATTERN } from '@dbforge/contracts';
import { describe, expect, it } from 'vitest';
import { isValidTenantId, suggestTenantId, tenantIdProblem } from '@/lib/tenant-id';

describe('tenant ids checked as you type', () => {
  it.each([
    ['acme', null],
    ['acme-corp-2', null],
    ['9lives', null],
    ['a'.repeat(63), null],
    ['', 'Enter an id.'],
    ['a'.repeat(64), 'Use at most 63 characters.'],
    ['-acme', 'Start with a lower-case letter or a digit.'],
    ['Acme', 'Start with a lower-case letter or a digit.'],
    ['acme corp', 'Use only lower-case letters, digits and “-” (no spaces).'],
    ['acme_corp', 'Use only lower-case letters, digits and “-” (no “_”).'],
    ['acme.corp', 'Use only lower-case letters, digits and “-” (no “.”).'],
  ])('%j → %j', (id, problem) => {
    expect(tenantIdProblem(id)).toBe(problem);
  });

  const gateway = new RegExp(TENANT_ID_PATTERN);
  it.each(['acme', 'a-', '0', 'a'.repeat(63), 'a'.repeat(64), 'Acme', 'a_b', '-a', 'é', 'a b', ''])('agrees with the gateway’s pattern on %j', (id) => {
    expect(isValidTenantId(id)).toBe(gateway.test(id));
  });

  it.each([
    ['Acme Corp.', 'acme-corp'],
    ['  Zürich Öffice  ', 'zurich-office'],
    ['---', ''],
    ['x'.repeat(62) + ' y', 'x'.repeat(62)],
  ])('suggests an id for %j: %j', (name, id) => {
    expect(suggestTenantId(name)).toBe(id);
  });
});
