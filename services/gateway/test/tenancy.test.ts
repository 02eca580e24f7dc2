import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { type DbForgeError } from '@dbforge/contracts';
import { capabilities, type Identity } from '../src/tenancy/access.js';
import { LoginThrottle } from '@dbforge/server-kit';
import { hashPassword, newApiKey, parseApiKey, verifyPassword } from '../src/tenancy/secrets.js';
import { TENANCY_MIGRATION, TenancyStore } from '../src/tenancy/store.js';

function store(): { db: Database.Database; tenancy: TenancyStore } {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  db.exec(`CREATE TABLE databases (name TEXT PRIMARY KEY COLLATE NOCASE, engine TEXT NOT NULL, container_id TEXT NOT NULL,
           created_at TEXT NOT NULL, settings TEXT NOT NULL DEFAULT '{}') STRICT`);
  db.exec(TENANCY_MIGRATION);
  return { db, tenancy: new TenancyStore(db) };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as DbForgeError).code;
  }
}

describe('capabilities', () => {
  const member = (role: 'owner' | 'developer' | 'viewer'): Identity => ({
    kind: 'user',
    userId: 'u',
    email: 'u@example.com',
    platformAdmin: false,
    roles: new Map([['acme', role]]),
  });
  const key = (scope: 'admin' | 'read_write' | 'read_only', database: string | null = null): Identity => ({
    kind: 'key',
    keyId: 'k',
    tenantId: 'acme',
    database,
    scope,
  });

  it.each([
    ['platform admin', { kind: 'admin' } as Identity, 'acme', 'db', ['read', 'write', 'manage', 'delete', 'members', 'keys']],
    ['owner', member('owner'), 'acme', 'db', ['read', 'write', 'manage', 'delete', 'members', 'keys']],
    ['developer', member('developer'), 'acme', 'db', ['read', 'write', 'manage']],
    ['viewer', member('viewer'), 'acme', 'db', ['read']],
    ['member of another tenant', member('owner'), 'other', 'db', []],
    ['tenant admin key', key('admin'), 'acme', 'db', ['read', 'write', 'manage', 'delete', 'members', 'keys']],
    ['tenant read-write key', key('read_write'), 'acme', 'db', ['read', 'write', 'manage']],
    ['tenant read-only key', key('read_only'), 'acme', 'db', ['read']],
    ['key of another tenant', key('admin'), 'other', 'db', []],
    ['database key on its database', key('admin', 'db'), 'acme', 'db', ['read', 'write', 'manage']],
    ['database key on another database', key('admin', 'db'), 'acme', 'other-db', []],
  ] as const)('%s', (_label, identity, tenant, database, expected) => {
    expect([...capabilities(identity, tenant, database)].sort()).toEqual([...expected].sort());
  });
});

describe('secrets', () => {
  it('makes API keys that carry their id and parse back', () => {
    const key = newApiKey();
    expect(key.secret).toMatch(/^dbf_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(key.secret)).toEqual({ id: key.id });
    expect(parseApiKey('dbf_admin_xyz')).toBeUndefined();
    expect(key.hash).not.toContain(key.secret.slice(20));
  });

  it('verifies passwords with argon2id, and spends the same effort on an account that does not exist', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(hash, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(hash, 'wrong horse battery')).toBe(false);
    await verifyPassword(undefined, 'warm up');
    const time = async (h: string | undefined) => {
      const start = process.hrtime.bigint();
      await verifyPassword(h, 'anything at all');
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const known = await time(hash);
    const unknown = await time(undefined);
    expect(unknown).toBeGreaterThan(known * 0.5);
    expect(unknown).toBeLessThan(known * 2);
  });
});

describe('LoginThrottle', () => {
  it('lets a few failures through, then asks to wait longer each time, then locks', () => {
    let clock = 0;
    const throttle = new LoginThrottle({ freeFailures: 2, lockAfter: 5, delayMs: 1000, lockMs: 60_000, forgetMs: 3_600_000 }, () => clock);
    const keys = ['email:a@example.com'];
    throttle.failure(keys);
    throttle.failure(keys);
    expect(throttle.retryAfter(keys)).toBe(1);
    clock += 1000;
    expect(throttle.retryAfter(keys)).toBe(0);
    throttle.failure(keys);
    expect(throttle.retryAfter(keys)).toBe(2);
    clock += 2000;
    throttle.failure(keys);
    throttle.failure(keys);
    expect(throttle.retryAfter(keys)).toBe(60);
    clock += 60_000;
    // The lock is over; one more failure locks again at once.
    expect(throttle.retryAfter(keys)).toBe(0);
    throttle.failure(keys);
    expect(throttle.retryAfter(keys)).toBe(60);
    throttle.success(keys);
    expect(throttle.retryAfter(keys)).toBe(0);
  });
});

describe('TenancyStore', () => {
  it('creates tenants with quotas, refuses duplicates, and never deletes one that owns databases', () => {
    const { db, tenancy } = store();
    expect(tenancy.createTenant('acme', 'Acme', { max_databases: 3 })).toMatchObject({
      id: 'acme',
      quotas: { max_databases: 3, max_database_bytes: null, requests_per_second: null },
    });
    expect(code(() => tenancy.createTenant('acme', 'Again', {}))).toBe('CONFLICT');
    expect(tenancy.updateTenant('acme', { quotas: { requests_per_second: 50 } }).quotas).toEqual({
      max_databases: 3,
      max_database_bytes: null,
      requests_per_second: 50,
    });
    db.prepare("INSERT INTO databases (name, engine, container_id, created_at, tenant_id) VALUES ('orders', 'sqlite', 'x', 'now', 'acme')").run();
    expect(code(() => tenancy.deleteTenant('acme'))).toBe('CONFLICT');
    expect(tenancy.databaseTenant('orders')).toBe('acme');
    expect(tenancy.databaseCount('acme')).toBe(1);
    db.prepare("DELETE FROM databases WHERE name = 'orders'").run();
    tenancy.deleteTenant('acme');
    expect(tenancy.tenant('acme')).toBeUndefined();
    expect(code(() => tenancy.deleteTenant('default'))).toBe('CONFLICT');
  });

  it('keeps a tenant with at least one owner', () => {
    const { tenancy } = store();
    tenancy.createTenant('acme', 'Acme', {});
    const ada = tenancy.createUser('ada@example.com', 'hash');
    const alan = tenancy.createUser('alan@example.com', 'hash');
    expect(code(() => tenancy.createUser('ADA@example.com', 'hash'))).toBe('CONFLICT');
    tenancy.setMember('acme', ada.id, 'owner');
    tenancy.setMember('acme', alan.id, 'viewer');
    expect(code(() => tenancy.removeMember('acme', ada.id))).toBe('CONFLICT');
    tenancy.setMember('acme', alan.id, 'owner');
    tenancy.removeMember('acme', ada.id);
    expect(tenancy.members('acme').map((m) => [m.email, m.role])).toEqual([['alan@example.com', 'owner']]);
    expect(tenancy.roles(alan.id).get('acme')).toBe('owner');
  });

  it('stores keys hashed, verifies them, and refuses revoked and expired ones', () => {
    const { db, tenancy } = store();
    tenancy.createTenant('acme', 'Acme', {});
    const { key, secret } = tenancy.createKey({ tenantId: 'acme', database: null, scope: 'read_only', name: 'ci', expiresAt: null, createdBy: 'admin' });
    expect(JSON.stringify(db.prepare('SELECT * FROM api_keys').all())).not.toContain(secret.slice(20));
    expect(tenancy.verifyKey(key.id, secret)).toMatchObject({ id: key.id, scope: 'read_only' });
    expect(tenancy.verifyKey(key.id, `${secret.slice(0, -1)}x`)).toBeUndefined();
    expect(tenancy.listKeys('acme')).toEqual([expect.objectContaining({ id: key.id, prefix: secret.slice(0, 20), revoked_at: null })]);
    tenancy.revokeKey(key.id);
    expect(tenancy.verifyKey(key.id, secret)).toBeUndefined();
    const expired = tenancy.createKey({ tenantId: 'acme', database: 'orders', scope: 'admin', name: 'old', expiresAt: new Date(Date.now() - 1000).toISOString(), createdBy: 'admin' });
    expect(tenancy.verifyKey(expired.key.id, expired.secret)).toBeUndefined();
    // A new store (a gateway restart) reads the keys back.
    const again = tenancy.createKey({ tenantId: 'acme', database: null, scope: 'admin', name: 'again', expiresAt: null, createdBy: 'admin' });
    expect(new TenancyStore(db).verifyKey(again.key.id, again.secret)).toBeDefined();
  });

  it('uses each refresh token once, and revokes them on logout', () => {
    const { tenancy } = store();
    const user = tenancy.createUser('ada@example.com', 'hash');
    const first = tenancy.issueRefreshToken(user.id, 60_000);
    expect(tenancy.consumeRefreshToken(first.token)?.id).toBe(user.id);
    expect(tenancy.consumeRefreshToken(first.token)).toBeUndefined();
    const second = tenancy.issueRefreshToken(user.id, 60_000);
    expect(tenancy.revokeRefreshToken(second.token)).toBe(true);
    expect(tenancy.consumeRefreshToken(second.token)).toBeUndefined();
    const expired = tenancy.issueRefreshToken(user.id, -1);
    expect(tenancy.consumeRefreshToken(expired.token)).toBeUndefined();
  });
});
