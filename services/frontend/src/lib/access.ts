import type { WhoAmI } from '@dbforge/contracts';

/**
 * What the signed-in caller may do, worked out from GET /auth/me the way the gateway does it (its tenancy/access.ts),
 * so the console hides or disables what would only be refused. The gateway still decides: a refusal it answers is
 * shown as it came.
 *
 * - `read`: SQL that reads, rows, schema. `write`: data and schema changes.
 * - `manage`: create databases, change their limits. `delete`: prune.
 * - `members`: add, change and remove members (and rename the tenant). `keys`: list, create and revoke API keys.
 */
export type Capability = 'read' | 'write' | 'manage' | 'delete' | 'members' | 'keys';

export type MemberRole = 'owner' | 'developer' | 'viewer';
export type KeyScope = 'admin' | 'read_write' | 'read_only';

const ALL: readonly Capability[] = ['read', 'write', 'manage', 'delete', 'members', 'keys'];

/** A member's role, or (for a caller that is an API key) the key's scope, which /auth/me reports as its role. */
const CAPABILITIES: Record<MemberRole | KeyScope, readonly Capability[]> = {
  owner: ALL,
  developer: ['read', 'write', 'manage'],
  viewer: ['read'],
  admin: ALL,
  read_write: ['read', 'write', 'manage'],
  read_only: ['read'],
};

export const MEMBER_ROLES: readonly { value: MemberRole; label: string; description: string }[] = [
  { value: 'owner', label: 'Owner', description: 'everything, members and API keys included' },
  { value: 'developer', label: 'Developer', description: 'SQL, schema and data; creates databases' },
  { value: 'viewer', label: 'Viewer', description: 'reads only' },
];

export const KEY_SCOPES: readonly { value: KeyScope; label: string }[] = [
  { value: 'admin', label: 'Admin' },
  { value: 'read_write', label: 'Read and write' },
  { value: 'read_only', label: 'Read only' },
];

export function roleLabel(role: string): string {
  return MEMBER_ROLES.find((r) => r.value === role)?.label ?? KEY_SCOPES.find((s) => s.value === role)?.label ?? role;
}

export function scopeLabel(scope: string): string {
  return KEY_SCOPES.find((s) => s.value === scope)?.label ?? scope;
}

/** The caller's role in a tenant (or its key's scope), or null when it is not a member. */
export function roleIn(me: WhoAmI, tenantId: string): string | null {
  return me.tenants.find((t) => t.id === tenantId)?.role ?? null;
}

/** The caller's standing in a tenant, in words: its role, or platform admin (the admin key is no member anywhere). */
export function standingIn(me: WhoAmI | undefined, tenantId: string): string {
  if (me === undefined) return '—';
  if (me.kind === 'admin') return 'Platform admin';
  const role = roleIn(me, tenantId);
  if (role !== null) return roleLabel(role);
  return me.platform_admin ? 'Platform admin' : '—';
}

/** What the caller may do in a tenant: on one of its databases, or on the tenant itself when `database` is null. */
export function capabilitiesIn(me: WhoAmI, tenantId: string, database: string | null = null): ReadonlySet<Capability> {
  if (me.platform_admin) return new Set(ALL);
  const role = roleIn(me, tenantId);
  if (role === null) return new Set();
  const granted = CAPABILITIES[role as MemberRole | KeyScope] ?? [];
  // A key limited to one database reaches that database only, and never the tenant's members or keys.
  if (me.kind === 'key' && typeof me.database === 'string') {
    if (database !== me.database) return new Set();
    return new Set(granted.filter((c) => c !== 'members' && c !== 'keys' && c !== 'delete'));
  }
  return new Set(granted);
}

/**
 * Whether the caller may do something. Unknown (who-am-I still loading or failed) counts as yes: the control stays and
 * the gateway says no if it must, rather than the console hiding what the caller may well be allowed.
 */
export function can(me: WhoAmI | undefined, capability: Capability, tenantId: string, database: string | null = null): boolean {
  return me === undefined || capabilitiesIn(me, tenantId, database).has(capability);
}

/** Whether the caller sees more than one tenant's databases, so lists and forms must say which tenant. */
export function spansTenants(me: WhoAmI | undefined): boolean {
  return me !== undefined && (me.platform_admin || me.tenants.length > 1);
}

/** Whether the caller may create a database anywhere: false only when that is sure (a viewer, a database's key). */
export function mayCreateDatabases(me: WhoAmI | undefined): boolean {
  return me === undefined || me.platform_admin || me.tenants.some((t) => capabilitiesIn(me, t.id).has('manage'));
}

/** The tenants, among those listed, where the caller may create databases. */
export function tenantsForNewDatabases(me: WhoAmI | undefined, tenantIds: readonly string[]): string[] {
  return tenantIds.filter((id) => can(me, 'manage', id));
}

/**
 * The tenant a new database form starts on: the one the gateway would pick by itself (`default` for the platform
 * admin, the only one otherwise), or none when the caller must choose.
 */
export function initialTenantFor(me: WhoAmI | undefined, choices: readonly string[]): string {
  if (choices.length === 1) return choices[0]!;
  if (me?.platform_admin && choices.includes('default')) return 'default';
  return '';
}

/** The scopes the caller may give a new key: a key never grants more than its own (the gateway's rule). */
export function grantableScopes(me: WhoAmI | undefined): KeyScope[] {
  const all = KEY_SCOPES.map((s) => s.value);
  if (me === undefined || me.kind !== 'key') return all;
  if (typeof me.database === 'string') return [];
  const own = new Set(CAPABILITIES[(me.tenants[0]?.role ?? 'read_only') as KeyScope] ?? []);
  return all.filter((scope) => CAPABILITIES[scope].every((c) => own.has(c)));
}
