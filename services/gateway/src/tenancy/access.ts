/**
 * Who may do what. A caller is the platform admin, a member of tenants (a user signed in with a token), or an API key
 * of one tenant, possibly limited to one database. What a caller may do to a database follows from the tenant that
 * owns it: the member's role there, or the key's scope.
 */
export const MEMBER_ROLES = ['owner', 'developer', 'viewer'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export const KEY_SCOPES = ['admin', 'read_write', 'read_only'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

/**
 * - `read`: read SQL, rows, schema, the database's description.
 * - `write`: change data and schema.
 * - `manage`: create databases, change their limits, read their logs and stats, configure webhooks.
 * - `delete`: prune a database.
 * - `members`: add, change and remove members.
 * - `keys`: create, list and revoke API keys.
 */
export type Capability = 'read' | 'write' | 'manage' | 'delete' | 'members' | 'keys';

const ALL: readonly Capability[] = ['read', 'write', 'manage', 'delete', 'members', 'keys'];

export const ROLE_CAPABILITIES: Record<MemberRole, readonly Capability[]> = {
  owner: ALL,
  developer: ['read', 'write', 'manage'],
  viewer: ['read'],
};

export const SCOPE_CAPABILITIES: Record<KeyScope, readonly Capability[]> = {
  admin: ALL,
  read_write: ['read', 'write', 'manage'],
  read_only: ['read'],
};

export type Identity =
  | { kind: 'admin' }
  | { kind: 'user'; userId: string; email: string; platformAdmin: boolean; roles: ReadonlyMap<string, MemberRole> }
  | { kind: 'key'; keyId: string; tenantId: string; database: string | null; scope: KeyScope; expiresAt?: string | null };

/** What the identity may do in a tenant, for one of its databases (or for the tenant itself when `database` is null). */
export function capabilities(identity: Identity, tenantId: string, database: string | null): ReadonlySet<Capability> {
  switch (identity.kind) {
    case 'admin':
      return new Set(ALL);
    case 'user': {
      if (identity.platformAdmin) return new Set(ALL);
      const role = identity.roles.get(tenantId);
      return new Set(role === undefined ? [] : ROLE_CAPABILITIES[role]);
    }
    case 'key': {
      if (identity.tenantId !== tenantId) return new Set();
      // A database key reaches its own database only, and never the tenant's members or keys.
      if (identity.database !== null) {
        if (identity.database !== database) return new Set();
        return new Set(SCOPE_CAPABILITIES[identity.scope].filter((c) => c !== 'members' && c !== 'keys' && c !== 'delete'));
      }
      return new Set(SCOPE_CAPABILITIES[identity.scope]);
    }
  }
}

/** Whether the identity sees a tenant at all (lists, 404 versus 403). */
export function canSeeTenant(identity: Identity, tenantId: string): boolean {
  // A key limited to one database sees that database, not its tenant (members, keys, quotas).
  return capabilities(identity, tenantId, null).size > 0;
}

export function isPlatformAdmin(identity: Identity): boolean {
  return identity.kind === 'admin' || (identity.kind === 'user' && identity.platformAdmin);
}
