import type { FastifyBaseLogger } from 'fastify';
import {
  DATABASE_SETTING_KEYS,
  DEFAULT_ENGINE,
  DbForgeError,
  Errors,
  type DatabaseInfo,
  type DatabaseSettings,
  type EngineName,
  type WorkerStats,
} from '@dbforge/contracts';
import type { Catalog, DatabaseRecord } from '../catalog/catalog.js';
import type { WorkerEndpoint, WorkerRuntime, WorkerSettings, WorkerSpec } from '../runtime/types.js';
import { KeyedLock } from './keyed-lock.js';

export interface SpawnOptions {
  engine?: EngineName | undefined;
  settings: DatabaseSettings;
  /** The tenant that will own the database. */
  tenantId: string;
}

export interface SpawnOutcome {
  created: boolean;
  record: DatabaseRecord;
}


/**
 * The lifecycle of databases: the catalogue says which exist and how they are set up, the runtime runs their workers.
 * Routes call this service; it never knows how a worker runs.
 */
export class DatabaseService {
  private readonly lock = new KeyedLock();
  /** Per tenant: the quota check and the spawn of a new database, together. */
  private readonly tenantLock = new KeyedLock();

  constructor(
    private readonly catalog: Catalog,
    private readonly runtime: WorkerRuntime,
    private readonly defaults: WorkerSettings,
    private readonly logger: FastifyBaseLogger,
  ) {}

  /** Starts (or adopts) the worker of every catalogued database and reports what does not add up. */
  async init(): Promise<void> {
    const report = await this.runtime.reconcile(this.catalog.list().map((record) => this.specOf(record)));
    for (const status of this.runtime.list()) {
      const record = this.catalog.get(status.name);
      if (record && record.containerId !== status.containerId) this.catalog.update(record.name, { containerId: status.containerId });
    }
    this.logger.info(
      { runtime: this.runtime.kind, started: report.started.length, adopted: report.adopted.length, failed: report.failed },
      'databases reconciled',
    );
    if (report.orphans.length > 0) {
      this.logger.warn({ orphans: report.orphans }, 'found workers or data that no catalogued database owns; left untouched');
    }
  }

  effectiveSettings(record: DatabaseRecord): WorkerSettings {
    return {
      statementTimeoutMs: record.settings.statement_timeout_ms ?? this.defaults.statementTimeoutMs,
      maxResultRows: record.settings.max_result_rows ?? this.defaults.maxResultRows,
      maxResultBytes: record.settings.max_result_bytes ?? this.defaults.maxResultBytes,
      memoryMb: record.settings.memory_mb ?? this.defaults.memoryMb,
      cpus: record.settings.cpus ?? this.defaults.cpus,
      pidsLimit: record.settings.pids_limit ?? this.defaults.pidsLimit,
      eventLog: record.settings.event_log ?? this.defaults.eventLog,
      eventRetentionDays: record.settings.event_retention_days ?? this.defaults.eventRetentionDays,
      eventRetentionEvents: record.settings.event_retention_events ?? this.defaults.eventRetentionEvents,
      realtimeBufferBytes: this.defaults.realtimeBufferBytes,
      realtimeHeartbeatMs: this.defaults.realtimeHeartbeatMs,
      // The tenant's size quota, enforced inside the engine.
      maxDatabaseBytes: this.catalog.tenancy.tenant(record.tenantId)?.quotas.max_database_bytes ?? null,
    };
  }

  private specOf(record: DatabaseRecord): WorkerSpec {
    return {
      name: record.name,
      engine: record.engine,
      settings: this.effectiveSettings(record),
      containerId: record.containerId === '' ? undefined : record.containerId,
    };
  }

  /** The catalogue entry, or 404 exactly as for a database that never existed. */
  require(name: string): DatabaseRecord {
    const record = this.catalog.get(name);
    if (record === undefined) throw Errors.databaseNotFound();
    return record;
  }

  get(name: string): DatabaseRecord | undefined {
    return this.catalog.get(name);
  }

  /** The hot path of every data request. */
  endpoint(name: string): Promise<WorkerEndpoint> {
    return this.runtime.ensureRunning(name);
  }

  /** The endpoint of the database's worker when it runs now (the hot path's shortcut), or undefined. */
  runningEndpoint(name: string): WorkerEndpoint | undefined {
    return this.runtime.runningEndpoint(name);
  }

  async spawn(name: string, options: SpawnOptions): Promise<SpawnOutcome> {
    return this.lock.run(name.toLowerCase(), async () => {
      const existing = this.catalog.findIgnoringCase(name);
      if (existing !== undefined && existing.tenantId !== options.tenantId) {
        // Names are global (they are the URLs); a name another tenant uses is taken, and nothing more is said of it.
        throw new DbForgeError('CONFLICT', `The database name '${name}' is taken; choose another.`);
      }
      if (existing !== undefined) {
        if (existing.name !== name) {
          throw new DbForgeError(
            'CONFLICT',
            `A database named '${existing.name}' already exists; names are unique regardless of case.`,
          );
        }
        if (options.engine !== undefined && options.engine !== existing.engine) {
          throw new DbForgeError(
            'CONFLICT',
            `Database '${name}' already exists with engine '${existing.engine}'; prune it first to change its engine.`,
          );
        }
        const differing = DATABASE_SETTING_KEYS.filter(
          (key) => options.settings[key] !== undefined && options.settings[key] !== existing.settings[key],
        );
        if (differing.length > 0) {
          throw new DbForgeError(
            'CONFLICT',
            `Database '${name}' already exists with other settings (${differing.join(', ')}); ` +
              `change them with PATCH /admin/databases/${name}.`,
          );
        }
        const status = this.runtime.status(name);
        if (status?.state !== 'running') await this.runtime.start(name);
        return { created: false, record: existing };
      }

      // The new databases of a tenant with a quota are made one at a time: two spawns at once must not both pass its
      // check. (Without a quota there is nothing to race for.)
      const make = async () => {
        const tenant = this.catalog.tenancy.tenant(options.tenantId);
        if (tenant === undefined) throw new DbForgeError('NOT_FOUND', 'Tenant not found.');
        const limit = tenant.quotas.max_databases;
        if (limit !== null && this.catalog.tenancy.databaseCount(tenant.id) >= limit) {
          throw new DbForgeError('QUOTA_EXCEEDED', `Tenant '${tenant.id}' has reached its quota of ${limit} database(s); prune one or ask for a larger quota.`);
        }
        const record: DatabaseRecord = {
          name,
          tenantId: tenant.id,
          engine: options.engine ?? DEFAULT_ENGINE,
          containerId: '',
          createdAt: new Date().toISOString(),
          settings: options.settings,
        };
        const status = await this.runtime.spawn(this.specOf(record));
        record.containerId = status.containerId;
        try {
          this.catalog.insert(record);
        } catch (error) {
          // The catalogue is the source of truth: a database it could not record must not keep running.
          await this.runtime.remove(name).catch(() => undefined);
          throw Errors.internal(error);
        }
        return record;
      };
      const quota = this.catalog.tenancy.tenant(options.tenantId)?.quotas.max_databases ?? null;
      const record = quota === null ? await make() : await this.tenantLock.run(options.tenantId, make);
      this.logger.info({ db: name, engine: record.engine, containerId: record.containerId }, 'database spawned');
      return { created: true, record };
    });
  }

  async prune(name: string): Promise<void> {
    await this.lock.run(name.toLowerCase(), async () => {
      this.require(name);
      // The catalogue entry goes first: from this instant the database answers 404 everywhere, and a crash before
      // the files are gone leaves orphaned data (reported at start), never a database that comes back empty.
      this.catalog.delete(name);
      await this.runtime.remove(name);
      this.logger.info({ db: name }, 'database pruned');
    });
  }

  async updateSettings(name: string, settings: DatabaseSettings): Promise<DatabaseRecord> {
    return this.lock.run(name.toLowerCase(), async () => {
      const record = this.require(name);
      const merged: DatabaseSettings = { ...record.settings, ...settings };
      const updated = this.catalog.update(name, { settings: merged });
      // Settings are the worker's start-up configuration: a graceful restart applies them, answering in-flight first.
      await this.runtime.restart(name, { kill: false, reason: 'settings changed', spec: this.specOf(updated) });
      return updated;
    });
  }

  /** Ends a worker stuck in a statement past its deadline; WAL keeps every committed transaction. */
  async recycle(name: string, reason: string): Promise<void> {
    // Under the database's lock, as prune and settings changes are: a restart racing a prune would start a worker for
    // a database that no longer exists.
    await this.lock.run(name.toLowerCase(), async () => {
      if (this.catalog.get(name) === undefined) return;
      await this.runtime.restart(name, { kill: true, reason });
    });
  }

  /** A tenant's quotas changed: its workers restart gracefully with the new size limit. */
  async applyTenantQuotas(tenantId: string): Promise<void> {
    for (const record of this.catalog.list().filter((r) => r.tenantId === tenantId)) {
      await this.lock.run(record.name.toLowerCase(), () =>
        this.runtime.restart(record.name, { kill: false, reason: 'tenant quotas changed', spec: this.specOf(record) }),
      );
    }
  }

  async info(name: string): Promise<DatabaseInfo> {
    const record = this.require(name);
    await this.runtime.refresh?.();
    return this.describe(record);
  }

  async list(): Promise<DatabaseInfo[]> {
    await this.runtime.refresh?.();
    return Promise.all(this.catalog.list().map((record) => this.describe(record)));
  }

  private async describe(record: DatabaseRecord): Promise<DatabaseInfo> {
    const status = this.runtime.status(record.name);
    const settings = this.effectiveSettings(record);
    return {
      name: record.name,
      tenant: record.tenantId,
      container_id: status?.containerId ?? record.containerId,
      status: status?.state ?? 'stopped',
      engine: record.engine,
      size_bytes: await this.runtime.sizeBytes(record.name).catch(() => 0),
      created_at: record.createdAt,
      settings: {
        statement_timeout_ms: settings.statementTimeoutMs,
        max_result_rows: settings.maxResultRows,
        max_result_bytes: settings.maxResultBytes,
        memory_mb: settings.memoryMb,
        cpus: settings.cpus,
        pids_limit: settings.pidsLimit,
        event_log: settings.eventLog,
        event_retention_days: settings.eventRetentionDays,
        event_retention_events: settings.eventRetentionEvents,
      },
    };
  }

  async stats(name: string): Promise<WorkerStats> {
    this.require(name);
    return { db_name: name, ...(await this.runtime.stats(name)) };
  }

  async logs(name: string, tail: number): Promise<string[]> {
    this.require(name);
    return this.runtime.logs(name, tail);
  }
}
