/**
 * The gateway's rule for tenant ids (TENANT_ID_PATTERN in @dbforge/contracts): lower-case letters, digits and "-",
 * starting with a letter or digit, at most 63 characters. Repeated here so the browser bundle carries no schemas; a
 * test holds the two to the same answers.
 */
export const TENANT_ID_MAX_LENGTH = 63;

export function tenantIdProblem(id: string): string | null {
  if (id.length === 0) return 'Enter an id.';
  if (id.length > TENANT_ID_MAX_LENGTH) return `Use at most ${TENANT_ID_MAX_LENGTH} characters.`;
  if (!/^[a-z0-9]/.test(id)) return 'Start with a lower-case letter or a digit.';
  const bad = /[^a-z0-9-]/.exec(id);
  if (bad) {
    const shown = bad[0] === ' ' ? 'spaces' : `“${bad[0]}”`;
    return `Use only lower-case letters, digits and “-” (no ${shown}).`;
  }
  return null;
}

export function isValidTenantId(id: string): boolean {
  return tenantIdProblem(id) === null;
}

/** An id suggested from a tenant's name: "Acme Corp." becomes "acme-corp". */
export function suggestTenantId(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, TENANT_ID_MAX_LENGTH)
    .replace(/-+$/, '');
}
