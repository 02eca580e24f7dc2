import type { WhoAmI } from '@dbforge/contracts';
import { describe, expect, it } from 'vitest';
import {
  can,
  capabilitiesIn,
  grantableScopes,
  initialTenantFor,
  mayCreateDatabases,
  spansTenants,
  standingIn,
  tenantsForNewDatabases,
  type Capability,
} from '@/lib/access';

const adminKey: WhoAmI = { kind: 'admin', id: 'admin', platform_admin: true, tenants: [{ id: 'default', role: 'owner' }, { id: 'acme', role: 'owner' }] };
const platformUser: WhoAmI = { kind: 'user', id: 'u0', email: 'root@example.com', platform_admin: true, tenants: [] };
const owner: WhoAmI = { kind: 'user', id: 'u1', email: 'o@acme.example', platform_admin: false, tenants: [{ id: 'acme', role: 'owner' }] };
const developer: WhoAmI = { kind: 'user', id: 'u2', email: 'd@acme.example', platform_admin: false, tenants: [{ id: 'acme', role: 'developer' }] };
const viewer: WhoAmI = { kind: 'user', id: 'u3', email: 'v@acme.example', platform_admin: false, tenants: [{ id: 'acme', role: 'viewer' }] };
const twoTenants: WhoAmI = {
  kind: 'user',
  id: 'u4',
  email: 'x@example.com',
  platform_admin: false,
  tenants: [
    { id: 'acme', role: 'viewer' },
    { id: 'globex', role: 'developer' },
  ],
};
const tenantKey: WhoAmI = { kind: 'key', id: 'k1', platform_admin: false, tenants: [{ id: 'acme', role: 'read_write' }], database: null };
const adminScopeKey: WhoAmI = { kind: 'key', id: 'k2', platform_admin: false, tenants: [{ id: 'acme', role: 'admin' }], database: null };
const databaseKey: WhoAmI = { kind: 'key', id: 'k3', platform_admin: false, tenants: [{ id: 'acme', role: 'admin' }], database: 'orders' };

const ALL: Capability[] = ['read', 'write', 'manage', 'delete', 'members', 'keys'];

describe('what a caller may do in a tenant (the gateway’s rules)', () => {
  it.each<[string, WhoAmI, string, string | null, Capability[]]>([
    ['the admin key, anywhere', adminKey, 'elsewhere', null, ALL],
    ['a platform-admin user, in a tenant they are not a member of', platformUser, 'acme', null, ALL],
    ['an owner, in their tenant', owner, 'acme', null, ALL],
    ['an owner, in another tenant', owner, 'globex', null, []],
    ['a developer', developer, 'acme', null, ['read', 'write', 'manage']],
    ['a viewer', viewer, 'acme', null, ['read']],
    ['a read-write key', tenantKey, 'acme', null, ['read', 'write', 'manage']],
    ['an admin key of the tenant', adminScopeKey, 'acme', null, ALL],
    ['a database’s key, on its database', databaseKey, 'acme', 'orders', ['read', 'write', 'manage']],
    ['a database’s key, on the tenant', databaseKey, 'acme', null, []],
    ['a database’s key, on another database', databaseKey, 'acme', 'other', []],
  ])('%s', (_what, me, tenant, database, expected) => {
    expect([...capabilitiesIn(me, tenant, database)].sort()).toEqual([...expected].sort());
  });

  it('counts an unknown caller as allowed, so the gateway decides', () => {
    expect(can(undefined, 'members', 'acme')).toBe(true);
    expect(can(viewer, 'members', 'acme')).toBe(false);
  });

  it.each([
    [adminKey, 'acme', 'Platform admin'],
    [platformUser, 'acme', 'Platform admin'],
    [owner, 'acme', 'Owner'],
    [viewer, 'acme', 'Viewer'],
    [tenantKey, 'acme', 'Read and write'],
    [owner, 'globex', '—'],
    [undefined, 'acme', '—'],
  ])('describes the standing of %j in %s as %s', (me, tenant, words) => {
    expect(standingIn(me, tenant)).toBe(words);
  });
});

describe('tenants in the databases page', () => {
  it.each([
    [adminKey, true],
    [platformUser, true],
    [twoTenants, true],
    [owner, false],
    [undefined, false],
  ])('%j spans tenants: %s', (me, spans) => {
    expect(spansTenants(me)).toBe(spans);
  });

  it('offers only the tenants where the caller may create databases', () => {
    expect(tenantsForNewDatabases(twoTenants, ['acme', 'globex'])).toEqual(['globex']);
    expect(tenantsForNewDatabases(adminKey, ['acme', 'default', 'globex'])).toEqual(['acme', 'default', 'globex']);
  });

  it.each<[WhoAmI | undefined, string[], string]>([
    [adminKey, ['acme', 'default'], 'default'],
    [adminKey, ['acme', 'globex'], ''],
    [twoTenants, ['globex'], 'globex'],
    [{ ...twoTenants, tenants: [{ id: 'acme', role: 'owner' }, { id: 'globex', role: 'owner' }] }, ['acme', 'globex'], ''],
  ])('starts the tenant choice of %j among %j on %j', (me, choices, initial) => {
    expect(initialTenantFor(me, choices)).toBe(initial);
  });

  it.each([
    [viewer, false],
    [databaseKey, false],
    [developer, true],
    [platformUser, true],
    [undefined, true],
  ])('lets %j create databases: %s', (me, may) => {
    expect(mayCreateDatabases(me)).toBe(may);
  });
});

describe('scopes a caller may give a new key', () => {
  it.each<[WhoAmI | undefined, string[]]>([
    [owner, ['admin', 'read_write', 'read_only']],
    [adminScopeKey, ['admin', 'read_write', 'read_only']],
    [tenantKey, ['read_write', 'read_only']],
    [databaseKey, []],
    [undefined, ['admin', 'read_write', 'read_only']],
  ])('%j → %j', (me, scopes) => {
    expect(grantableScopes(me)).toEqual(scopes);
  });
});
