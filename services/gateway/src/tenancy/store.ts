import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import { DbForgeError } from '@dbforge/contracts';
import type { KeyScope, MemberRole } from './access.js';
import { digest, newApiKey, newRefreshToken, sameDigest, type NewApiKey } from './secrets.js';

/** The tenancy tables of the catalogue, as one migration. */
export const TENANCY_MIGRATION = `
  CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    max_databases INTEGER,
    max_database_bytes INTEGER,
    requests_per_second INTEGER,
    created_at TEXT NOT NULL
  ) STRICT;
  INSERT INTO tenants (id, name, created_at) VALUES ('default', 'Default', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
  -- No REFERENCES: SQLite can't add a referencing column with a default while foreign keys are on. A tenant that
  -- owns databases is never deleted (TenancyStore.deleteTenant checks).
  ALTER TABLE databases ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
  CREATE INDEX databases_by_tenant ON databases (tenant_id);
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    platform_admin INTEGER NOT NULL DEFAULT 0 CHECK (platform_admin IN (0, 1)),
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE memberships (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'developer', 'viewer')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
  ) STRICT;
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    database_name TEXT,
    scope TEXT NOT NULL CHECK (scope IN ('admin', 'read_write', 'read_only')),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    last_used_at TEXT
  ) STRICT;
  CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
  ) STRICT;
`;

export interface Quotas {
  /** Databases the tenant may own at most (null: no limit). */
  max_databases: number | null;
  /** Size of each database in bytes at most (null: no limit). */
  max_database_bytes: number | null;
  /** Requests per second over all the tenant's keys and members (null: no limit beyond the gateway's). */
  requests_per_second: number | null;
}

export interface Tenant {
  id: string;
  name: string;
  quotas: Quotas;
  created_at: string;
}

export interface User {
  id: string;
  email: string;
  platform_admin: boolean;
  created_at: string;
}

export interface Member {
  user_id: string;
  email: string;
  role: MemberRole;
  created_at: string;
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  tenant_id: string;
  database: string | null;
  scope: KeyScope;
  prefix: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

interface KeyRow {
  id: string;
  tenant_id: string;
  database_name: string | null;
  scope: KeyScope;
  name: string;
  prefix: string;
  secret_hash: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

const now = () => new Date().toISOString();

function tenantFrom(row: {
  id: string;
  name: string;
  max_databases: number | null;
  max_database_bytes: number | null;
  requests_per_second: number | null;
  created_at: string;
}): Tenant {
  return {
    id: row.id,
    name: row.name,
    quotas: {
      max_databases: row.max_databases,
      max_database_bytes: row.max_database_bytes,
      requests_per_second: row.requests_per_second,
    },
    created_at: row.created_at,
  };
}

function keyInfo(row: KeyRow): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    tenant_id: row.tenant_id,
    database: row.database_name,
    scope: row.scope,
    prefix: row.prefix,
    created_at: row.created_at,
    created_by: row.created_by,
    expires_at: row.expires_at,
    revoked_at: row.revoked_at,
    last_used_at: row.last_used_at,
  };
}

/** Tenants, users, memberships, API keys and refresh tokens, in the gateway's catalogue. */
export class TenancyStore {
  /** API keys by id: every request with a key reads one, so they are kept in memory and refreshed on change. */
  private readonly keys = new Map<string, KeyRow>();
  private readonly lastUseWritten = new Map<string, number>();
  /** Tenants by id, read on every request that names a database (its quotas); kept in step with every write. */
  private readonly tenantCache = new Map<string, Tenant>();

  constructor(private readonly db: Database.Database) {
    for (const row of db.prepare('SELECT * FROM api_keys WHERE revoked_at IS NULL').all() as KeyRow[]) this.keys.set(row.id, row);
  }

  /* ---------------------------------------------------------------- tenants */

  createTenant(id: string, name: string, quotas: Partial<Quotas>): Tenant {
    try {
      this.db
        .prepare('INSERT INTO tenants (id, name, max_databases, max_database_bytes, requests_per_second, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, name, quotas.max_databases ?? null, quotas.max_database_bytes ?? null, quotas.requests_per_second ?? null, now());
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new DbForgeError('CONFLICT', `A tenant with the id '${id}' already exists.`);
      }
      throw error;
    }
    return this.requireTenant(id);
  }

  tenant(id: string): Tenant | undefined {
    const cached = this.tenantCache.get(id);
    if (cached) return cached;
    const row = this.db.prepare('SELECT * FROM tenants WHERE id = ?').get(id) as Parameters<typeof tenantFrom>[0] | undefined;
    if (!row) return undefined;
    const tenant = tenantFrom(row);
    this.tenantCache.set(id, tenant);
    return tenant;
  }

  requireTenant(id: string): Tenant {
    const tenant = this.tenant(id);
    if (!tenant) throw new DbForgeError('NOT_FOUND', 'Tenant not found.');
    return tenant;
  }

  tenants(ids?: readonly string[] | undefined): Tenant[] {
    const rows = this.db.prepare('SELECT * FROM tenants ORDER BY id').all() as Parameters<typeof tenantFrom>[0][];
    return rows.filter((r) => ids === undefined || ids.includes(r.id)).map(tenantFrom);
  }

  updateTenant(id: string, changes: { name?: string | undefined; quotas?: Partial<Quotas> | undefined }): Tenant {
    const current = this.requireTenant(id);
    const quotas = { ...current.quotas, ...changes.quotas };
    this.db
      .prepare('UPDATE tenants SET name = ?, max_databases = ?, max_database_bytes = ?, requests_per_second = ? WHERE id = ?')
      .run(changes.name ?? current.name, quotas.max_databases, quotas.max_database_bytes, quotas.requests_per_second, id);
    this.tenantCache.delete(id);
    return this.requireTenant(id);
  }

  /** A tenant that still owns databases is not deleted: its data would be orphaned. */
  deleteTenant(id: string): void {
    this.requireTenant(id);
    if (id === 'default') throw new DbForgeError('CONFLICT', "The default tenant can't be deleted.");
    const owned = this.db.prepare('SELECT name FROM databases WHERE tenant_id = ? ORDER BY name').all(id) as { name: string }[];
    if (owned.length > 0) {
      throw new DbForgeError(
        'CONFLICT',
        `Tenant '${id}' still owns ${owned.length} database(s) (${owned.slice(0, 5).map((d) => d.name).join(', ')}${owned.length > 5 ? ', ...' : ''}); prune them first.`,
      );
    }
    this.db.prepare('DELETE FROM tenants WHERE id = ?').run(id);
    this.tenantCache.delete(id);
    for (const [keyId, key] of this.keys) if (key.tenant_id === id) this.keys.delete(keyId);
  }

  /* ---------------------------------------------------------------- users and members */

  createUser(email: string, passwordHash: string, platformAdmin = false): User {
    const id = crypto.randomUUID();
    try {
      this.db
        .prepare('INSERT INTO users (id, email, password_hash, platform_admin, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(id, email, passwordHash, platformAdmin ? 1 : 0, now());
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new DbForgeError('CONFLICT', 'A user with this email already exists.');
      throw error;
    }
    return this.user(id)!;
  }

  user(id: string): User | undefined {
    const row = this.db.prepare('SELECT id, email, platform_admin, created_at FROM users WHERE id = ?').get(id) as
      | { id: string; email: string; platform_admin: number; created_at: string }
      | undefined;
    return row ? { ...row, platform_admin: row.platform_admin === 1 } : undefined;
  }

  /** For login: the user and the password hash to check, if such a user exists. */
  credentials(email: string): { user: User; passwordHash: string } | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE email = ?').get(email) as
      | { id: string; email: string; password_hash: string; platform_admin: number; created_at: string }
      | undefined;
    if (!row) return undefined;
    return {
      user: { id: row.id, email: row.email, platform_admin: row.platform_admin === 1, created_at: row.created_at },
      passwordHash: row.password_hash,
    };
  }

  userByEmail(email: string): User | undefined {
    return this.credentials(email)?.user;
  }

  setPassword(userId: string, passwordHash: string): void {
    this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, userId);
  }

  /** The user's role in each tenant. */
  roles(userId: string): Map<string, MemberRole> {
    const rows = this.db.prepare('SELECT tenant_id, role FROM memberships WHERE user_id = ?').all(userId) as { tenant_id: string; role: MemberRole }[];
    return new Map(rows.map((r) => [r.tenant_id, r.role]));
  }

  members(tenantId: string): Member[] {
    return this.db
      .prepare(
        `SELECT m.user_id, u.email, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.tenant_id = ? ORDER BY u.email`,
      )
      .all(tenantId) as Member[];
  }

  setMember(tenantId: string, userId: string, role: MemberRole): Member {
    this.db
      .prepare(
        `INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = excluded.role`,
      )
      .run(tenantId, userId, role, now());
    return this.members(tenantId).find((m) => m.user_id === userId)!;
  }

  /** The last owner can't leave: a tenant always has someone who can manage it. */
  removeMember(tenantId: string, userId: string): void {
    const members = this.members(tenantId);
    const member = members.find((m) => m.user_id === userId);
    if (!member) throw new DbForgeError('NOT_FOUND', 'Member not found.');
    if (member.role === 'owner' && members.filter((m) => m.role === 'owner').length === 1) {
      throw new DbForgeError('CONFLICT', 'This is the tenant\'s last owner; make someone else an owner first.');
    }
    this.db.prepare('DELETE FROM memberships WHERE tenant_id = ? AND user_id = ?').run(tenantId, userId);
  }

  /* ---------------------------------------------------------------- API keys */

  createKey(input: {
    tenantId: string;
    database: string | null;
    scope: KeyScope;
    name: string;
    expiresAt: string | null;
    createdBy: string;
  }): { key: ApiKeyInfo; secret: string } {
    let generated: NewApiKey;
    for (;;) {
      generated = newApiKey();
      if (!this.keys.has(generated.id) && !this.db.prepare('SELECT 1 FROM api_keys WHERE id = ?').get(generated.id)) break;
    }
    const row: KeyRow = {
      id: generated.id,
      tenant_id: input.tenantId,
      database_name: input.database,
      scope: input.scope,
      name: input.name,
      prefix: generated.prefix,
      secret_hash: generated.hash,
      created_at: now(),
      created_by: input.createdBy,
      expires_at: input.expiresAt,
      revoked_at: null,
      last_used_at: null,
    };
    this.db
      .prepare(
        `INSERT INTO api_keys (id, tenant_id, database_name, scope, name, prefix, secret_hash, created_at, created_by, expires_at)
         VALUES (@id, @tenant_id, @database_name, @scope, @name, @prefix, @secret_hash, @created_at, @created_by, @expires_at)`,
      )
      .run(row);
    this.keys.set(row.id, row);
    return { key: keyInfo(row), secret: generated.secret };
  }

  listKeys(tenantId: string, database?: string): ApiKeyInfo[] {
    const rows = this.db
      .prepare('SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id')
      .all(tenantId) as KeyRow[];
    return rows.filter((r) => database === undefined || r.database_name === database).map(keyInfo);
  }

  key(id: string): ApiKeyInfo | undefined {
    const row = this.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as KeyRow | undefined;
    return row ? keyInfo(row) : undefined;
  }

  revokeKey(id: string): ApiKeyInfo {
    const info = this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now(), id);
    this.keys.delete(id);
    const key = this.key(id);
    if (!key) throw new DbForgeError('NOT_FOUND', 'API key not found.');
    if (info.changes === 0 && key.revoked_at === null) throw new DbForgeError('NOT_FOUND', 'API key not found.');
    return key;
  }

  /** Keys of a database go with it. */
  revokeDatabaseKeys(tenantId: string, database: string): void {
    this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND database_name = ? AND revoked_at IS NULL').run(now(), tenantId, database);
    for (const [id, key] of this.keys) if (key.tenant_id === tenantId && key.database_name === database) this.keys.delete(id);
  }

  /** The key a presented secret belongs to, if it is valid now (known, not revoked, not expired). */
  verifyKey(id: string, secret: string): ApiKeyInfo | undefined {
    const row = this.keys.get(id);
    if (!row || !sameDigest(row.secret_hash, digest(secret))) return undefined;
    if (row.expires_at !== null && Date.parse(row.expires_at) <= Date.now()) return undefined;
    // When a key was last used, to the minute: not a write on every request.
    const last = this.lastUseWritten.get(id) ?? 0;
    if (Date.now() - last > 60_000) {
      this.lastUseWritten.set(id, Date.now());
      row.last_used_at = now();
      this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(row.last_used_at, id);
    }
    return keyInfo(row);
  }

  /* ---------------------------------------------------------------- refresh tokens */

  issueRefreshToken(userId: string, ttlMs: number): { token: string; expiresAt: string } {
    const { token, hash } = newRefreshToken();
    const expiresAt = new Date(Date.now() + ttlMs).toISOString();
    this.db
      .prepare('INSERT INTO refresh_tokens (id, user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(crypto.randomUUID(), userId, hash, now(), expiresAt);
    return { token, expiresAt };
  }

  /**
   * Exchanges a refresh token for the user it was issued to, revoking it (each token is used once; the caller gets a
   * new one). Unknown, revoked and expired tokens answer undefined.
   */
  consumeRefreshToken(token: string): User | undefined {
    const row = this.db.prepare('SELECT * FROM refresh_tokens WHERE token_hash = ?').get(digest(token)) as
      | { id: string; user_id: string; expires_at: string; revoked_at: string | null }
      | undefined;
    if (!row || row.revoked_at !== null || Date.parse(row.expires_at) <= Date.now()) return undefined;
    this.db.prepare('UPDATE refresh_tokens SET revoked_at = ? WHERE id = ?').run(now(), row.id);
    return this.user(row.user_id);
  }

  revokeRefreshToken(token: string): boolean {
    return this.db.prepare('UPDATE refresh_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL').run(now(), digest(token)).changes > 0;
  }

  revokeAllRefreshTokens(userId: string): void {
    this.db.prepare('UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(now(), userId);
  }

  /* ---------------------------------------------------------------- databases */

  databaseTenant(name: string): string | undefined {
    return (this.db.prepare('SELECT tenant_id FROM databases WHERE name = ?').get(name) as { tenant_id: string } | undefined)?.tenant_id;
  }

  databaseCount(tenantId: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM databases WHERE tenant_id = ?').get(tenantId) as { n: number }).n;
  }
}
