import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DatabaseSettings, EngineName } from '@dbforge/contracts';
import { TENANCY_MIGRATION, TenancyStore } from '../tenancy/store.js';
import { AUDIT_MIGRATION } from '../audit/audit-log.js';

/** A database as the gateway knows it. Settings hold only what was set for this database; defaults fill the rest. */
export interface DatabaseRecord {
  name: string;
  /** The tenant that owns the database. */
  tenantId: string;
  engine: EngineName;
  containerId: string;
  createdAt: string;
  settings: DatabaseSettings;
}

/** A webhook of a database: the URL that receives a hook's signed calls, and its signing secret. */
export interface WebhookRecord {
  database: string;
  hook: string;
  url: string;
  secret: string;
  createdAt: string;
  updatedAt: string;
}

interface WebhookRow {
  database: string;
  hook: string;
  url: string;
  secret: string;
  created_at: string;
  updated_at: string;
}

interface Row {
  name: string;
  tenant_id: string;
  engine: EngineName;
  container_id: string;
  created_at: string;
  settings: string;
}

/** Each entry upgrades the schema by one version (PRAGMA user_version); entries are never edited once released. */
const MIGRATIONS: string[] = [
  `CREATE TABLE databases (
     name TEXT PRIMARY KEY COLLATE NOCASE,
     engine TEXT NOT NULL CHECK (engine IN ('sqlite', 'duckdb')),
     container_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     settings TEXT NOT NULL DEFAULT '{}'
   ) STRICT`,
  // Webhooks of resource hooks, per database; they go with their database when it is pruned.
  `CREATE TABLE webhooks (
     database TEXT NOT NULL COLLATE NOCASE REFERENCES databases (name) ON DELETE CASCADE,
     hook TEXT NOT NULL,
     url TEXT NOT NULL,
     secret TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (database, hook)
   ) STRICT`,
  // Tenants own databases; users are members of tenants; API keys belong to a tenant (and maybe one database).
  TENANCY_MIGRATION,
  // The platform's audit log: admin actions and failed authentications.
  AUDIT_MIGRATION,
];

/**
 * The gateway's own control-plane store (never inside a tenant's database). Reads come from memory: the routing of
 * every request consults it; writes go to SQLite first and to memory only once committed.
 */
export class Catalog {
  private readonly db: Database.Database;
  private readonly byName = new Map<string, DatabaseRecord>();
  /** Tenants, users, memberships, keys and refresh tokens, in the same store. */
  readonly tenancy: TenancyStore;
  /** Webhooks by database, and the hook names of each as the header sent to its worker (read on every request). */
  private readonly webhooksByDb = new Map<string, Map<string, WebhookRecord>>();
  private readonly hookHeaders = new Map<string, string>();

  private constructor(file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    this.tenancy = new TenancyStore(this.db);
    for (const row of this.db.prepare('SELECT * FROM databases ORDER BY created_at, name').all() as Row[]) {
      const record = fromRow(row);
      this.byName.set(record.name, record);
    }
    for (const row of this.db.prepare('SELECT * FROM webhooks ORDER BY database, hook').all() as WebhookRow[]) this.cacheWebhook(webhookFromRow(row));
  }

  static open(file: string): Catalog {
    return new Catalog(file);
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(
        `The catalogue at ${this.db.name} has schema version ${version}, newer than this gateway knows (${MIGRATIONS.length}). ` +
          'Run a newer DB-Forge, or restore a backup of the catalogue.',
      );
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  list(): DatabaseRecord[] {
    return [...this.byName.values()];
  }

  get(name: string): DatabaseRecord | undefined {
    return this.byName.get(name);
  }

  /** Names are unique regardless of case: on a case-insensitive file system `Foo` and `foo` would share files. */
  findIgnoringCase(name: string): DatabaseRecord | undefined {
    const row = this.db.prepare('SELECT * FROM databases WHERE name = ?').get(name) as Row | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  insert(record: DatabaseRecord): void {
    this.db
      .prepare('INSERT INTO databases (name, tenant_id, engine, container_id, created_at, settings) VALUES (?, ?, ?, ?, ?, ?)')
      .run(record.name, record.tenantId, record.engine, record.containerId, record.createdAt, JSON.stringify(record.settings));
    this.byName.set(record.name, { ...record });
  }

  update(name: string, changes: Partial<Pick<DatabaseRecord, 'containerId' | 'settings'>>): DatabaseRecord {
    const current = this.byName.get(name);
    if (current === undefined) throw new Error(`no database '${name}' in the catalogue`);
    const next: DatabaseRecord = { ...current, ...changes };
    this.db
      .prepare('UPDATE databases SET container_id = ?, settings = ? WHERE name = ?')
      .run(next.containerId, JSON.stringify(next.settings), name);
    this.byName.set(name, next);
    return next;
  }

  delete(name: string): boolean {
    const info = this.db.prepare('DELETE FROM databases WHERE name = ?').run(name);
    this.byName.delete(name);
    this.webhooksByDb.delete(name);
    this.hookHeaders.delete(name);
    return info.changes > 0;
  }

  /* ---------------------------------------------------------------- webhooks */

  private cacheWebhook(record: WebhookRecord): void {
    const hooks = this.webhooksByDb.get(record.database) ?? new Map<string, WebhookRecord>();
    hooks.set(record.hook, record);
    this.webhooksByDb.set(record.database, hooks);
    this.hookHeaders.set(record.database, [...hooks.keys()].sort().join(','));
  }

  listWebhooks(database: string): WebhookRecord[] {
    return [...(this.webhooksByDb.get(database)?.values() ?? [])];
  }

  getWebhook(database: string, hook: string): WebhookRecord | undefined {
    return this.webhooksByDb.get(database)?.get(hook);
  }

  /** Databases with at least one webhook. */
  databasesWithWebhooks(): string[] {
    return [...this.webhooksByDb.keys()];
  }

  /** The hook names with a webhook, comma-separated, or undefined when the database has none: a map lookup. */
  hookHeader(database: string): string | undefined {
    return this.hookHeaders.get(database);
  }

  putWebhook(database: string, hook: string, url: string, secret: string, now = new Date().toISOString()): { record: WebhookRecord; created: boolean } {
    const existing = this.getWebhook(database, hook);
    const record: WebhookRecord = { database, hook, url, secret, createdAt: existing?.createdAt ?? now, updatedAt: now };
    this.db
      .prepare(
        `INSERT INTO webhooks (database, hook, url, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (database, hook) DO UPDATE SET url = excluded.url, secret = excluded.secret, updated_at = excluded.updated_at`,
      )
      .run(database, hook, url, secret, record.createdAt, record.updatedAt);
    this.cacheWebhook(record);
    return { record, created: existing === undefined };
  }

  deleteWebhook(database: string, hook: string): boolean {
    const info = this.db.prepare('DELETE FROM webhooks WHERE database = ? AND hook = ?').run(database, hook);
    const hooks = this.webhooksByDb.get(database);
    hooks?.delete(hook);
    if (hooks === undefined || hooks.size === 0) {
      this.webhooksByDb.delete(database);
      this.hookHeaders.delete(database);
    } else {
      this.hookHeaders.set(database, [...hooks.keys()].sort().join(','));
    }
    return info.changes > 0;
  }

  /** The catalogue's connection, for the audit log that lives in it (AuditLog only appends and reads). */
  auditDb(): Database.Database {
    return this.db;
  }

  /** For the readiness check: the catalogue file answers. */
  check(): void {
    this.db.prepare('SELECT 1').get();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function webhookFromRow(row: WebhookRow): WebhookRecord {
  return { database: row.database, hook: row.hook, url: row.url, secret: row.secret, createdAt: row.created_at, updatedAt: row.updated_at };
}

function fromRow(row: Row): DatabaseRecord {
  return {
    name: row.name,
    tenantId: row.tenant_id,
    engine: row.engine,
    containerId: row.container_id,
    createdAt: row.created_at,
    settings: JSON.parse(row.settings) as DatabaseSettings,
  };
}
