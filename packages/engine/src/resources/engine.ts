import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import {
  DbForgeError,
  ENGINE_CAPABILITIES,
  Errors,
  quoteIdentifier as q,
  type EngineName,
  type FieldProblem,
} from '@dbforge/contracts';
import type { DatabaseAdapter, TransactionContext, TxValue } from '../types.js';
import {
  columnFields,
  fieldOf,
  isHidden,
  isServerSet,
  joinTableOf,
  type FieldDef,
  type HookEvent,
  type ResourceDef,
  type RuleEvent,
} from './model.js';
import type { SchemaProblem } from './parse.js';
import type * as ParseModule from './parse.js';
import type * as NormalizeModule from './normalize.js';
import type * as RulesModule from './rules.js';
import type * as CsvParse from 'csv-parse/sync';
import type * as CsvStringify from 'csv-stringify/sync';
import { dropResourcePlan, keepSequenceSql, planResource, type PlanStep, type PlanWarning } from './plan.js';
import { checkReferringTables, keyUpgradeNeeded, referringTables, replaceTable, upgradeKeyTable } from './key-upgrade.js';
import { createIndexSql, createTableSql, databaseGeneratesKey } from './ddl.js';
import { ADMIN_ACTOR, type Actor } from './model.js';
import { allows, bypassesPermissions, hiddenFields, listFilter, loadPermissionLanguage, unwritableFields, usesExpressions } from './permissions.js';
import { coerceInput, fromStorage, fromText, toStorage, coerceKey } from './values.js';
import { FieldCrypto, hashPassword, isHash } from './security.js';
import { encodeCursor, keysetCondition, orderBySql, parseListQuery } from './query.js';
import { HookRequired, HookTokens, sha256, type HookCall, type HookVerdict } from './hooks.js';
import {
  deleteResourceRow,
  dueDeliveries,
  ensureStore,
  enqueue,
  lastVersion,
  listVersions,
  loadResources,
  outboxCounts,
  recordVersion,
  saveResource,
  OUTBOX_TABLE,
  type OutboxEntry,
  type StoredResource,
} from './store.js';
import { buildOpenApi } from './openapi.js';
import { EVENTS_TABLE as EVENTS_TABLE_NAME } from '../events/schema.js';
import { EventLog } from '../events/event-log.js';
import { appendEvents } from '../events/schema.js';
import type { ChangeContext, ChangeEvent, NewEvent } from '../events/types.js';
import { eventView, openEventRecord, presentEventRecord, tablePolicy } from './history.js';
import { USER_TABLES_SQL, USERS_TABLE } from '../users/users.js';

export interface ResourceEngineOptions {
  /** The database's name, for URLs in replies and in hook payloads. */
  database: string;
  /** The database's own directory: uploaded files and the field key are kept here, beside the database file. */
  dataDir: string;
  /** A structured log line (pino's `info`); records in it are masked. */
  log?: ((object: Record<string, unknown>, message: string) => void) | undefined;
}

/** Kinds whose values are a client's free text (for the CSV export's formula guard). */
const FREE_TEXT_KINDS = new Set(['string', 'text', 'email', 'url', 'select']);

/** A field whose values must not appear in messages or logs: personal data, masked, encrypted, hashed or protected. */
function sensitiveField(field: FieldDef | undefined): boolean {
  return field !== undefined && (field.security.pii || field.security.maskInLogs || field.security.encrypt || isHidden(field));
}

/** The recorded event behind a presented one (see `presentEvent` and `eventFor`). */
const RAW_EVENT = Symbol('the recorded event');

/** Who is writing and what the gateway says about hooks, per request. */
export interface RequestContext {
  actor: Actor;
  /** The gateway's request id, recorded with the change events of the write. */
  requestId?: string | undefined;
  /** Hook names that have a webhook configured for this database (from the gateway). */
  hooks: ReadonlySet<string>;
  /** What identifies the request for a hook verdict: method, path, actor and body. */
  fingerprint: string;
  verdict?: HookVerdict | undefined;
}

export interface WriteResult<T> {
  value: T;
  /** After-hook deliveries written to the outbox with the write. */
  outboxed: number;
}

export interface ApplyOptions {
  dryRun?: boolean;
  allowDestructive?: boolean;
  actor?: Actor;
}

export interface ApplyResult {
  dry_run: boolean;
  resources: { name: string; version: number; status: 'created' | 'updated' | 'unchanged' }[];
  plan: PlanStep[];
  warnings: { resource: string; field?: string | undefined; message: string; line?: number; column?: number }[];
}

export interface ListResult {
  data: Record<string, unknown>[];
  has_more: boolean;
  next_cursor: string | null;
  total?: number;
}

export interface FileMeta {
  id: string;
  name: string;
  size: number;
  content_type: string;
  sha256: string;
  uploaded_at: string;
}

const MAX_BULK = 1000;
const MAX_IMPORT = 10_000;
const MAX_EXPORT = 100_000;
const MAX_CASCADE_DEPTH = 32;
const MASK = '[masked]';

function notFound(resource: string): DbForgeError {
  return new DbForgeError('NOT_FOUND', `Resource '${resource}' not found.`);
}

function recordNotFound(resource: string, id: string): DbForgeError {
  return new DbForgeError('NOT_FOUND', `No record of '${resource}' with id '${id}'.`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeSchemaProblems(problems: SchemaProblem[]): DbForgeError {
  const details = problems.map((p) => ({
    field: `${p.resource ? `${p.resource}.` : ''}${p.path}`,
    message: p.message,
    document: p.document,
    line: p.line,
    column: p.column,
  }));
  const first = problems[0]!;
  const message =
    problems.length === 1
      ? `Invalid schema: line ${first.line}, column ${first.column}: ${first.path} ${first.message}.`
      : `Invalid schema: ${problems.length} problems, the first at line ${first.line}, column ${first.column}: ${first.path} ${first.message}.`;
  return new DbForgeError('VALIDATION_ERROR', message, { details });
}

/**
 * Parsing configs (YAML, JSON Schema), rules (CEL) and CSV are loaded on first use: a worker that only serves SQL, or
 * resources without rules, does not carry them (they cost a worker about 15 MB and 100 ms at start).
 */
const lazy = {
  config: undefined as Promise<[typeof ParseModule, typeof NormalizeModule]> | undefined,
  rules: undefined as Promise<typeof RulesModule> | undefined,
  csv: undefined as Promise<[typeof CsvParse, typeof CsvStringify]> | undefined,
};
const loadConfig = () => (lazy.config ??= Promise.all([import('./parse.js'), import('./normalize.js')]));
const loadRules = () => (lazy.rules ??= import('./rules.js'));
const loadCsv = () => (lazy.csv ??= Promise.all([import('csv-parse/sync'), import('csv-stringify/sync')]));

function newCuid(): string {
  const random = crypto.randomBytes(12).toString('hex');
  return `c${Date.now().toString(36)}${BigInt(`0x${random}`).toString(36)}`.slice(0, 25);
}

/**
 * The resource engine of one database: applies YAML configs as migrations and serves validated, secured CRUD over the
 * resources, with rules, hook gating and an outbox for after-hooks. Framework-free: the worker's routes parse HTTP,
 * call this and shape the reply.
 */
/** The key of the built-in users resource (the database's own users, `_dbforge_users`). */
const BUILTIN_USER_KEY: FieldDef = {
  name: 'id',
  type: 'uuid',
  kind: 'string',
  primary: true,
  generated: true,
  required: false,
  nullable: false,
  unique: true,
  immutable: true,
  manyToMany: false,
  searchable: false,
  epochMillis: false,
  security: { protected: false, hash: false, pii: false, maskInLogs: false, encrypt: false },
  extra: {},
};

/** `references: users` points to the database's own users unless the YAML defines a resource of that name. */
function refersToBuiltinUsers(field: FieldDef, resources: Map<string, ResourceDef>): boolean {
  return field.references?.resource === 'users' && !resources.has('users') && (field.references.field ?? 'id') === 'id';
}

export class ResourceEngine {
  private registry = new Map<string, StoredResource>();
  private rules: typeof RulesModule | undefined;
  private readonly crypto: FieldCrypto;
  private readonly tokens = new HookTokens();
  private readonly engine: EngineName;
  private readonly filesDir: string;
  /** Definitions being applied (inside the migration's transaction), for the capture of tables they create. */
  private pending: Map<string, ResourceDef> | undefined;
  /** The database's event log: history, a record at a time, reverts. */
  readonly events: EventLog;

  private constructor(
    private readonly adapter: DatabaseAdapter,
    private readonly options: ResourceEngineOptions,
  ) {
    this.engine = adapter.engine;
    this.crypto = new FieldCrypto(path.join(options.dataDir, 'keys', 'fields.key'));
    this.filesDir = path.join(options.dataDir, 'files');
    this.events = new EventLog(adapter);
  }

  static async open(adapter: DatabaseAdapter, options: ResourceEngineOptions): Promise<ResourceEngine> {
    const engine = new ResourceEngine(adapter, options);
    engine.registry = await adapter.transaction(async (tx) => {
      await ensureStore(tx, adapter.engine);
      return loadResources(tx);
    });
    // Raw SQL on a resource's table is captured with the resource's field security (SQLite's triggers).
    adapter.configureCapture({
      policy: (table) => {
        const def = (engine.pending ?? engine.definitions()).get(table);
        return def === undefined ? undefined : tablePolicy(def);
      },
      seal: (value, context) => engine.crypto.encrypt(value, context),
    });
    if (adapter.engine === 'sqlite') await engine.upgradeKeys();
    await engine.loadPermissionLanguageIfUsed();
    return engine;
  }

  /**
   * Gives the integer keys of resource tables made by earlier versions (SQLite, without AUTOINCREMENT) a counter that
   * never hands an id out twice; see `key-upgrade.ts`. One transaction per table. A table that can't be upgraded is
   * left as it is and logged, and the next open tries again: the database stays available either way.
   */
  private async upgradeKeys(): Promise<void> {
    for (const { definition } of this.registry.values()) {
      if ((await keyUpgradeNeeded({ all: (sql, params) => this.adapter.read(sql, params) }, definition)) === undefined) continue;
      try {
        const upgraded = await this.adapter.transaction(
          async (tx) => {
            const result = await upgradeKeyTable(tx, definition);
            await tx.syncCapture();
            return result;
          },
          { foreignKeysOff: true },
        );
        if (upgraded !== undefined) this.options.log?.({ ...upgraded }, 'resource table upgraded: its ids are never reused');
      } catch (error) {
        this.options.log?.({ resource: definition.name, error: error instanceof Error ? error.message : String(error) }, 'resource table not upgraded: it may reuse the id of its newest record once deleted');
      }
    }
  }

  /** The change context of a request's write. */
  private changeContext(context: RequestContext, source: ChangeContext['source'] = 'resources', reverts?: number): ChangeContext {
    return { actor: { id: context.actor.id, roles: context.actor.roles }, requestId: context.requestId, source, reverts };
  }

  private async recordEvents(tx: TransactionContext, context: ChangeContext, events: NewEvent[]): Promise<void> {
    if (events.length > 0 && this.adapter.eventLog) await appendEvents(tx, context, events);
  }

  /** A stored row as its event records it (links read in the transaction). */
  private async viewOf(tx: TransactionContext, resource: ResourceDef, row: Record<string, unknown>): Promise<Record<string, unknown>> {
    const key = row[resource.primaryKey] as TxValue;
    const links = await this.linksOf(tx, resource, [key]);
    const byField: Record<string, unknown[]> = {};
    for (const [field, map] of links) byField[field] = map.get(String(key)) ?? [];
    return eventView(resource, row, byField, this.engine, (value, context) => this.crypto.encrypt(value, context));
  }

  /* ---------------------------------------------------------------- schema */

  resourceNames(): string[] {
    return [...this.registry.keys()];
  }

  versionOf(name: string): number {
    return this.registry.get(name)?.version ?? 0;
  }

  get(name: string): ResourceDef | undefined {
    return this.registry.get(name)?.definition;
  }

  private require(name: string): ResourceDef {
    const stored = this.registry.get(name);
    if (stored === undefined) throw notFound(name);
    return stored.definition;
  }

  /** The key a reference points at: the target's primary key, or the field it names. */
  private targetKey(field: FieldDef, resources: Map<string, ResourceDef> = this.definitions()): FieldDef | undefined {
    const target = field.references ? resources.get(field.references.resource) : undefined;
    if (target === undefined) return refersToBuiltinUsers(field, resources) ? BUILTIN_USER_KEY : undefined;
    return target.fields.find((f) => f.name === (field.references!.field ?? target.primaryKey));
  }

  private definitions(): Map<string, ResourceDef> {
    return new Map([...this.registry].map(([name, stored]) => [name, stored.definition]));
  }

  /**
   * Applies a YAML file of one or more resources: checks it, plans the migration against what is stored, and (unless a
   * dry run) applies it in one transaction, recording each changed resource's new version with its YAML.
   */
  async apply(yaml: string, options: ApplyOptions = {}): Promise<ApplyResult> {
    const actor = options.actor ?? ADMIN_ACTOR;
    const [{ parseResourceYaml }, { normalizeDocuments }] = await loadConfig();
    const parsed = parseResourceYaml(yaml);
    if (parsed.problems.length > 0) throw describeSchemaProblems(parsed.problems);
    const normalized = normalizeDocuments(parsed.documents);
    const problems = [...normalized.problems];
    const warnings: ApplyResult['warnings'] = normalized.warnings.map((w) => ({ resource: w.resource ?? '', field: w.path, message: w.message, line: w.line, column: w.column }));

    const next = this.definitions();
    for (const { resource } of normalized.resources) next.set(resource.name, resource);
    const existingTables = new Set((await this.adapter.listTables()).map((t) => t.name.toLowerCase()));
    const joinTables = new Set<string>();
    for (const def of next.values()) for (const f of def.fields) if (f.manyToMany) joinTables.add(joinTableOf(def.name, f.name).toLowerCase());

    for (const { resource, document } of normalized.resources) {
      const at = (pathParts: (string | number)[], message: string) => {
        const pos = document.locate(pathParts, true);
        problems.push({ document: document.index, resource: resource.name, path: pathParts.join('.'), line: pos.line, column: pos.column, message });
      };
      const nameKey = resource.dialect === 'dbal' ? 'entity' : 'resource';
      if (!this.registry.has(resource.name) && existingTables.has(resource.name.toLowerCase())) {
        at([nameKey], `names a table that already exists and is not a resource ('${resource.name}'): choose another name or drop the table`);
      }
      if (joinTables.has(resource.name.toLowerCase())) at([nameKey], `is the name of a many-to-many join table`);
      if ([...next.keys()].some((other) => other !== resource.name && other.toLowerCase() === resource.name.toLowerCase())) {
        at([nameKey], 'differs from another resource only in case');
      }
      for (const field of resource.fields) {
        if (field.kind === 'decimal' && (field.precision ?? 10) > 15 && !ENGINE_CAPABILITIES[this.engine].exact_decimals) {
          throw new DbForgeError(
            'CAPABILITY_NOT_SUPPORTED',
            `The field '${resource.name}.${field.name}' needs exact_decimals (precision ${field.precision} > 15), which the ${this.engine} engine does not support. Use precision 15 or less, or a DuckDB database.`,
            { details: { capability: 'exact_decimals', engine: this.engine, field: `${resource.name}.${field.name}` } },
          );
        }
        if (field.references === undefined) continue;
        if (refersToBuiltinUsers(field, next)) {
          if (field.type === 'foreign_key' || field.manyToMany) field.kind = BUILTIN_USER_KEY.kind;
          continue;
        }
        const target = next.get(field.references.resource);
        if (target === undefined) {
          const pos = document.locate(['fields', field.name], true);
          warnings.push({
            resource: resource.name,
            field: field.name,
            message: `refers to '${field.references.resource}', which is not defined (yet): its values are accepted unchecked until it exists`,
            line: pos.line,
            column: pos.column,
          });
          continue;
        }
        const key = target.fields.find((f) => f.name === (field.references!.field ?? target.primaryKey));
        if (key === undefined || key.manyToMany) {
          at(['fields', field.name], `refers to '${field.references.resource}.${field.references.field}', which is not a field there`);
          continue;
        }
        if (!key.primary && !key.unique) at(['fields', field.name], `refers to '${target.name}.${key.name}', which is neither the primary key nor unique`);
        if (field.type === 'foreign_key' || field.manyToMany) field.kind = key.kind === 'bigint' ? 'integer' : key.kind;
      }
      if (resource.perPage !== undefined && resource.perPage > 1000) at(['interface', 'per_page'], 'must be at most 1000');
    }
    if (problems.length > 0) throw describeSchemaProblems(problems.sort((a, b) => a.document - b.document || a.line - b.line));

    // Resources stored earlier that refer to one applied now with another key type.
    for (const [name, stored] of this.registry) {
      if (normalized.resources.some((r) => r.resource.name === name)) continue;
      for (const field of stored.definition.fields) {
        const key = this.targetKey(field, next);
        if (field.type === 'foreign_key' && key && (key.kind === 'bigint' ? 'integer' : key.kind) !== field.kind) {
          warnings.push({ resource: name, field: field.name, message: `refers to '${field.references!.resource}', whose key is now ${key.type}: apply '${name}' again to convert it` });
        }
      }
    }

    const plan: PlanStep[] = [];
    const refused: PlanWarning[] = [];
    const statuses: ApplyResult['resources'] = [];
    const keyOf = (field: FieldDef) => this.targetKey(field, next);
    for (const { resource, document } of normalized.resources) {
      const stored = this.registry.get(resource.name);
      const result = planResource(stored?.definition, resource, this.engine, keyOf);
      refused.push(...result.refused);
      for (const w of result.warnings) warnings.push({ resource: w.resource, field: w.field, message: w.message });
      let steps = result.steps;
      if (stored !== undefined && steps.length === 0 && stored.yaml !== document.text) {
        steps = [{ action: 'update_definition', resource: resource.name, destructive: false, detail: 'records a new version (the YAML text changed)', sql: [] }];
      }
      plan.push(...steps);
      statuses.push({ name: resource.name, version: stored === undefined ? 0 : stored.version, status: stored === undefined ? 'created' : steps.length > 0 ? 'updated' : 'unchanged' });
    }
    if (refused.length > 0) {
      throw new DbForgeError('VALIDATION_ERROR', `Invalid schema: ${refused.map((r) => `${r.resource}: ${r.message}`).join('; ')}.`, {
        details: refused.map((r) => ({ field: `${r.resource}${r.field ? `.${r.field}` : ''}`, message: r.message })),
      });
    }
    const destructive = plan.filter((s) => s.destructive);
    if (destructive.length > 0 && !options.allowDestructive && !options.dryRun) {
      throw new DbForgeError(
        'CONFLICT',
        `The migration is destructive (${destructive.map((s) => `${s.resource}: ${s.detail}`).join('; ')}): nothing was applied. Review it with ?dry_run=true and send it again with ?allow_destructive=true.`,
        { details: { destructive_steps: destructive } },
      );
    }
    if (options.dryRun) {
      return { dry_run: true, resources: statuses.map((s) => ({ ...s, version: s.status === 'unchanged' ? s.version : s.version + 1 })), plan, warnings };
    }

    const now = new Date().toISOString();
    const updated = new Map<string, StoredResource>();
    this.pending = next;
    // A rebuild drops the old table: with foreign keys enforced, raw SQL tables that refer to it would lose their rows
    // (ON DELETE CASCADE) or their references (SET NULL). They are checked after the rebuild instead.
    const foreignKeysOff = this.engine === 'sqlite' && plan.some((s) => s.action === 'rebuild_table');
    try {
      await this.adapter.transaction(async (tx) => {
        for (const { resource, document } of normalized.resources) {
          const steps = plan.filter((s) => s.resource === resource.name);
          if (steps.length === 0) continue;
          const stored = this.registry.get(resource.name);
          for (const step of steps) await this.runStep(tx, step, stored?.definition, resource);
          const version = Math.max(stored?.version ?? 0, await lastVersion(tx, resource.name)) + 1;
          const resourceWarnings = warnings.filter((w) => w.resource === resource.name).map((w) => `${w.field ? `${w.field}: ` : ''}${w.message}`);
          const entry: StoredResource = { definition: resource, version, yaml: document.text, warnings: resourceWarnings, updatedAt: now };
          await saveResource(tx, entry);
          await recordVersion(tx, {
            resource: resource.name,
            version,
            action: 'applied',
            yaml: document.text,
            definition: resource,
            plan: steps,
            warnings: resourceWarnings,
            appliedAt: now,
            appliedBy: actor.id,
          });
          updated.set(resource.name, entry);
        }
        // The triggers of new and changed tables follow the new definitions, in the migration's transaction.
        await tx.syncCapture();
      }, { foreignKeysOff });
    } finally {
      this.pending = undefined;
    }
    for (const [name, entry] of updated) this.registry.set(name, entry);
    // The realtime fan-out checks permissions synchronously: the expression language is loaded before it is needed.
    await this.loadPermissionLanguageIfUsed();
    for (const status of statuses) status.version = this.registry.get(status.name)?.version ?? status.version;
    this.options.log?.({ resources: statuses, steps: plan.length }, 'schema applied');
    return { dry_run: false, resources: statuses, plan, warnings };
  }

  private async runStep(tx: TransactionContext, step: PlanStep, current: ResourceDef | undefined, next: ResourceDef): Promise<void> {
    switch (step.action) {
      case 'rebuild_table':
        await this.rebuild(tx, current!, next);
        return;
      case 'encrypt_values':
      case 'decrypt_values':
      case 'hash_values':
        await this.rewriteValues(tx, next, step.field!, step.action);
        return;
      default:
        for (const sql of step.sql) await tx.run(sql);
    }
  }

  /** Encrypts, decrypts or hashes a column's stored values in place. */
  private async rewriteValues(tx: TransactionContext, resource: ResourceDef, fieldName: string, action: 'encrypt_values' | 'decrypt_values' | 'hash_values'): Promise<void> {
    const pk = q(resource.primaryKey);
    const column = q(fieldName);
    const context = `${resource.name}.${fieldName}`;
    const rows = await tx.all(`SELECT ${pk} AS k, ${column} AS v FROM ${q(resource.table)} WHERE ${column} IS NOT NULL`);
    for (const row of rows) {
      const value = String(row.v);
      let next: string;
      if (action === 'encrypt_values') next = FieldCrypto.isEncrypted(value) ? value : this.crypto.encrypt(value, context);
      else if (action === 'decrypt_values') next = this.crypto.decrypt(value, context);
      else next = isHash(value) ? value : await hashPassword(value);
      await tx.run(`UPDATE ${q(resource.table)} SET ${column} = ? WHERE ${pk} = ?`, [next, row.k as TxValue]);
    }
  }

  /**
   * A table rebuild: a new table in the new shape, every row converted and checked on the way (all or nothing, with
   * the rows that can't be converted listed), the old table dropped and the new one renamed, indexes made again.
   */
  private async rebuild(tx: TransactionContext, current: ResourceDef, next: ResourceDef): Promise<void> {
    const temp = `_dbforge_rebuild_${next.table}`;
    await tx.run(`DROP TABLE IF EXISTS ${q(temp)}`);
    for (const sql of createTableSql(next, this.engine, temp)) await tx.run(sql);
    const columns = columnFields(next);
    const insert = `INSERT INTO ${q(temp)} (${columns.map((f) => q(f.name)).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
    const oldFields = new Map(columnFields(current).map((f) => [f.name, f]));
    const problems: FieldProblem[] = [];
    const rows = await tx.all(`SELECT * FROM ${q(current.table)} ORDER BY ${q(current.primaryKey)}`);
    for (const row of rows) {
      const values: TxValue[] = [];
      for (const field of columns) {
        const before = oldFields.get(field.name);
        if (before === undefined) {
          values.push(field.default === undefined ? null : toStorage(field, this.defaultValue(field, new Date().toISOString()), this.engine));
          continue;
        }
        const raw = row[field.name];
        if (raw === null || raw === undefined) {
          values.push(null);
          continue;
        }
        if (before.security.hash && !field.security.hash) {
          values.push(null);
          continue;
        }
        let plain: unknown = before.security.encrypt ? this.crypto.decrypt(String(raw), `${current.name}.${before.name}`) : fromStorage(before, raw, this.engine);
        if (before.security.encrypt && before.kind === 'json') plain = safeJson(String(plain));
        let value: unknown = plain;
        if (!(before.security.hash && field.security.hash)) {
          const coerced = coerceInput(field, typeof plain === 'string' ? fromText(field, plain) : plain);
          const text = typeof plain === 'object' ? JSON.stringify(plain) : String(plain);
          const retry = coerced.ok ? coerced : coerceInput(field, fromText(field, text));
          if (!retry.ok) {
            if (problems.length < 50) problems.push({ field: `${next.name}[${String(row[current.primaryKey])}].${field.name}`, message: `can't become ${field.type}: ${retry.message}` });
            values.push(null);
            continue;
          }
          value = retry.value;
        }
        values.push(await this.storeValue(next, field, value, !before.security.hash));
      }
      await tx.run(insert, values);
    }
    if (problems.length > 0) {
      throw new DbForgeError('VALIDATION_ERROR', `The migration can't convert ${problems.length === 50 ? 'at least 50' : problems.length} stored value(s); nothing was applied.`, {
        details: problems,
      });
    }
    if (this.engine === 'sqlite') {
      const children = await referringTables(tx, current.table);
      for (const sql of keepSequenceSql(next, this.engine, temp)) await tx.run(sql);
      await replaceTable(tx, current.table, temp);
      for (const index of next.indexes) await tx.run(createIndexSql(next.table, index));
      await checkReferringTables(tx, children);
      return;
    }
    await tx.run(`DROP TABLE ${q(current.table)}`);
    await tx.run(`ALTER TABLE ${q(temp)} RENAME TO ${q(next.table)}`);
    for (const index of next.indexes) await tx.run(createIndexSql(next.table, index));
  }

  /** Removes a resource: its table, its links, its files and its definition; its version history is kept. */
  async removeResource(name: string, actor: Actor = ADMIN_ACTOR): Promise<{ resource: string; plan: PlanStep[]; warnings: string[] }> {
    const resource = this.require(name);
    const plan = dropResourcePlan(resource, this.engine);
    const warnings: string[] = [];
    for (const [other, stored] of this.registry) {
      if (other === name) continue;
      for (const field of stored.definition.fields) {
        if (field.references?.resource === name) warnings.push(`${other}.${field.name} refers to '${name}', which no longer exists: its values are accepted unchecked`);
      }
    }
    const now = new Date().toISOString();
    await this.adapter.transaction(async (tx) => {
      for (const sql of plan[0]!.sql) await tx.run(sql);
      await deleteResourceRow(tx, name);
      await recordVersion(tx, {
        resource: name,
        version: this.registry.get(name)!.version,
        action: 'removed',
        yaml: null,
        definition: null,
        plan,
        warnings,
        appliedAt: now,
        appliedBy: actor.id,
      });
    });
    this.registry.delete(name);
    fs.rmSync(path.join(this.filesDir, name), { recursive: true, force: true });
    this.options.log?.({ resource: name }, 'resource removed');
    return { resource: name, plan, warnings };
  }

  /** The resources with their definitions, YAML, version history and warnings (some computed now: hooks, references). */
  async describe(hooks: ReadonlySet<string>, only?: string): Promise<Record<string, unknown>> {
    if (only !== undefined) this.require(only);
    const { versions, outbox } = await this.adapter.transaction(async (tx) => ({ versions: await listVersions(tx, only), outbox: await outboxCounts(tx) }));
    const resources = [...this.registry.values()]
      .filter((stored) => only === undefined || stored.definition.name === only)
      .map((stored) => {
        const def = stored.definition;
        const live: string[] = [];
        for (const [event, names] of Object.entries(def.hooks)) {
          for (const hook of names ?? []) {
            if (!hooks.has(hook)) live.push(`hooks.${event}: '${hook}' has no webhook configured for this database: it is skipped`);
          }
        }
        for (const field of def.fields) {
          if (field.references && !this.registry.has(field.references.resource) && !refersToBuiltinUsers(field, this.definitions())) {
            live.push(`fields.${field.name}: refers to '${field.references.resource}', which is not defined (yet): its values are accepted unchecked`);
          }
        }
        const stale = stored.warnings.filter((w) => !/is not defined \(yet\)/.test(w));
        return {
          name: def.name,
          version: stored.version,
          dialect: def.dialect,
          updated_at: stored.updatedAt,
          definition: def,
          yaml: stored.yaml,
          warnings: [...new Set([...stale, ...live])],
          versions: versions.get(def.name) ?? [],
        };
      });
    return {
      engine: this.engine,
      resources,
      removed: only === undefined ? [...versions.entries()].filter(([name]) => !this.registry.has(name)).map(([name, list]) => ({ name, versions: list })) : [],
      warnings: resources.flatMap((r) => r.warnings.map((w) => `${r.name}: ${w}`)),
      hooks: { configured: [...hooks].sort(), outbox },
    };
  }

  openapi(): Record<string, unknown> {
    return buildOpenApi(this.options.database, [...this.registry.values()].map((s) => s.definition), this.engine, (field) => this.targetKey(field));
  }

  /* ---------------------------------------------------------------- records: reading */

  private columnsSql(resource: ResourceDef): string {
    return columnFields(resource).filter((f) => !isHidden(f)).map((f) => q(f.name)).join(', ');
  }

  /** A stored row as the API answers it: hidden fields left out, encrypted ones decrypted, links and file URLs added. */
  private present(resource: ResourceDef, row: Record<string, unknown>, links?: Map<string, Map<string, unknown[]>>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const id = String(row[resource.primaryKey]);
    for (const field of resource.fields) {
      if (isHidden(field)) continue;
      if (field.manyToMany) {
        out[field.name] = links?.get(field.name)?.get(id) ?? [];
        continue;
      }
      const raw = row[field.name];
      if (raw === undefined) continue;
      if (field.security.encrypt && raw !== null) {
        const plain = this.crypto.decrypt(String(raw), `${resource.name}.${field.name}`);
        out[field.name] = field.kind === 'json' ? safeJson(plain) : plain;
        continue;
      }
      if (field.kind === 'file') {
        const meta = raw === null ? null : (safeJson(String(raw)) as FileMeta | null);
        out[field.name] =
          meta === null
            ? null
            : { name: meta.name, size: meta.size, content_type: meta.content_type, sha256: meta.sha256, uploaded_at: meta.uploaded_at, url: this.fileUrl(resource, id, field.name) };
        continue;
      }
      out[field.name] = fromStorage(field, raw, this.engine);
    }
    return out;
  }

  private fileUrl(resource: ResourceDef, id: string, field: string): string {
    return `/api/db/${encodeURIComponent(this.options.database)}/resources/${resource.name}/${encodeURIComponent(id)}/files/${field}`;
  }

  private async linksOf(tx: TransactionContext, resource: ResourceDef, ids: TxValue[]): Promise<Map<string, Map<string, unknown[]>>> {
    const out = new Map<string, Map<string, unknown[]>>();
    if (ids.length === 0) return out;
    for (const field of resource.fields.filter((f) => f.manyToMany)) {
      const byId = new Map<string, unknown[]>();
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const rows = await tx.all(
          `SELECT source_id, target_id FROM ${q(joinTableOf(resource.name, field.name))} WHERE source_id IN (${chunk.map(() => '?').join(', ')}) ORDER BY target_id`,
          chunk,
        );
        for (const row of rows) {
          const list = byId.get(String(row.source_id)) ?? [];
          list.push(row.target_id);
          byId.set(String(row.source_id), list);
        }
      }
      out.set(field.name, byId);
    }
    return out;
  }

  /** An id from the URL as the primary key's stored value. */
  private keyValue(resource: ResourceDef, id: string): TxValue {
    const pk = fieldOf(resource, resource.primaryKey)!;
    const key = coerceKey(pk.kind, id);
    if (!key.ok) throw recordNotFound(resource.name, id);
    return key.value as TxValue;
  }

  private async fetchRow(tx: TransactionContext, resource: ResourceDef, key: TxValue): Promise<Record<string, unknown> | undefined> {
    const rows = await tx.all(`SELECT * FROM ${q(resource.table)} WHERE ${q(resource.primaryKey)} = ?`, [key]);
    return rows[0];
  }

  async getRecord(name: string, id: string, actor: Actor = ADMIN_ACTOR): Promise<Record<string, unknown>> {
    const resource = this.require(name);
    return this.withoutHidden(resource, actor, await this.readableRecord(resource, name, id, actor));
  }

  /**
   * A record as rules see it (every field, hidden ones included, in clear), when `actor` may read it; a record the
   * caller may not read answers exactly as one that does not exist.
   */
  private async readableRecord(resource: ResourceDef, name: string, id: string, actor: Actor): Promise<Record<string, unknown>> {
    const key = this.keyValue(resource, id);
    await this.permissionsReady(resource, actor);
    const view = await this.adapter.transaction(async (tx) => {
      const row = await this.fetchRow(tx, resource, key);
      if (row === undefined) throw recordNotFound(name, id);
      return this.present(resource, row, await this.linksOf(tx, resource, [row[resource.primaryKey] as TxValue]));
    });
    if (!allows(resource, 'read', actor, view)) throw recordNotFound(name, id);
    return view;
  }

  /**
   * Refuses an end user an operation on one record: 404 when they may not read it, 403 when they may not do the rest.
   * With `field` (a file field's routes), the field's own permissions too: a file the caller may not read is as absent
   * as a record they may not read (404), and changing one they may not write is refused (403).
   */
  async authorize(name: string, id: string, operation: 'read' | 'update' | 'delete', actor: Actor, field?: string): Promise<void> {
    if (bypassesPermissions(actor)) return;
    const resource = this.require(name);
    const view = await this.readableRecord(resource, name, id, actor);
    if (field !== undefined && hiddenFields(resource, actor, view).includes(field)) {
      throw new DbForgeError('NOT_FOUND', `The record has no file in '${field}'.`);
    }
    if (operation !== 'read') this.checkWrite(resource, operation, actor, view, field === undefined ? undefined : { [field]: null });
  }

  /** Loads CEL when an end user meets permissions written as expressions. */
  private async permissionsReady(resource: ResourceDef, actor: Actor): Promise<void> {
    if (!bypassesPermissions(actor) && usesExpressions(resource)) await loadPermissionLanguage();
  }

  /** The record without the fields the caller may not see (field-level `read`). */
  private withoutHidden(resource: ResourceDef, actor: Actor, view: Record<string, unknown>): Record<string, unknown> {
    return this.withoutHiddenOf(resource, actor, view, view);
  }

  /** Refuses a write the caller's permissions do not allow, or one that sets fields it may not set. */
  private checkWrite(resource: ResourceDef, operation: 'create' | 'update' | 'delete', actor: Actor, record: Record<string, unknown>, body: unknown): void {
    if (bypassesPermissions(actor)) return;
    if (!allows(resource, operation, actor, record)) {
      // Anonymous callers are told to sign in; a signed-in user is told no.
      throw actor.kind === 'anonymous'
        ? new DbForgeError('UNAUTHORIZED', `Sign in to ${operation} ${resource.name} records: send a token from POST /api/db/${this.options.database}/auth/login.`)
        : new DbForgeError('FORBIDDEN', `You may not ${operation} this ${resource.name} record.`);
    }
    if (typeof body === 'object' && body !== null) {
      const denied = unwritableFields(resource, actor, record, body as Record<string, unknown>);
      if (denied.length > 0) throw new DbForgeError('FORBIDDEN', `You may not set ${denied.join(', ')} of a ${resource.name} record.`);
    }
  }

  async list(name: string, query: Record<string, unknown>, actor: Actor = ADMIN_ACTOR): Promise<ListResult> {
    const resource = this.require(name);
    const parsed = parseListQuery(
      resource,
      query,
      this.engine,
      (field) => this.targetKey(field)?.kind ?? 'integer',
      (field) => !bypassesPermissions(actor) && field.permissions?.read !== undefined && !(field.permissions.read.kind === 'keyword' && field.permissions.read.keyword === 'public'),
    );
    const where = [...parsed.where];
    const params = [...parsed.params];
    // The caller's permissions are a condition of the query itself: pages and counts only ever hold what they may see.
    await this.permissionsReady(resource, actor);
    const permitted = listFilter(resource, actor);
    if (permitted === false) where.push('1 = 0');
    else if (permitted !== true) {
      where.push(`(${permitted.sql})`);
      params.push(...permitted.params);
    }
    const countWhere = [...where];
    const countParams = [...params];
    if (parsed.after !== undefined) {
      const keyset = keysetCondition(parsed.sort, parsed.after);
      where.push(keyset.sql);
      params.push(...keyset.params);
    }
    const sortColumns = parsed.sort.map((s) => s.field);
    const visible = columnFields(resource).filter((f) => !isHidden(f)).map((f) => f.name);
    const select = [...new Set([...visible, ...sortColumns])].map((c) => q(c)).join(', ');
    const sql =
      `SELECT ${select} FROM ${q(resource.table)}` +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY ${orderBySql(parsed.sort)} LIMIT ${parsed.limit + 1}` +
      (parsed.offset > 0 ? ` OFFSET ${parsed.offset}` : '');
    return this.adapter.transaction(async (tx) => {
      const rows = await tx.all(sql, params);
      const hasMore = rows.length > parsed.limit;
      const page = rows.slice(0, parsed.limit);
      const links = await this.linksOf(tx, resource, page.map((r) => r[resource.primaryKey] as TxValue));
      const last = page[page.length - 1];
      const result: ListResult = {
        data: page.map((row) => this.withoutHidden(resource, actor, this.present(resource, row, links))),
        has_more: hasMore,
        next_cursor: hasMore && last ? encodeCursor(parsed.sort, parsed.sort.map((s) => last[s.field] ?? null)) : null,
      };
      if (parsed.count) {
        const counted = await tx.all(`SELECT count(*) AS n FROM ${q(resource.table)}${countWhere.length > 0 ? ` WHERE ${countWhere.join(' AND ')}` : ''}`, countParams);
        result.total = Number(counted[0]?.n ?? 0);
      }
      return result;
    });
  }

  /* ---------------------------------------------------------------- records: writing */

  private defaultValue(field: FieldDef, now: string): unknown {
    const value = field.default;
    if (typeof value === 'string' && (field.kind === 'timestamp' || field.kind === 'date') && /^(now|current_timestamp|current_date)$/i.test(value)) {
      return field.kind === 'date' ? now.slice(0, 10) : now;
    }
    if (value === undefined) return null;
    const coerced = coerceInput(field, value);
    return coerced.ok ? coerced.value : value;
  }

  private magicValue(field: FieldDef, now: string, actor: Actor): unknown {
    if (field.magic === 'auto_user' || field.magic === 'auto_user_add') return actor.id;
    if (field.epochMillis) return Date.parse(now);
    return field.kind === 'date' ? now.slice(0, 10) : now;
  }

  /**
   * Checks a body against the resource: every unknown field, server-set field, bad type and broken constraint is
   * reported at once. `whole` (create, replace) also requires the required fields.
   */
  private checkBody(resource: ResourceDef, body: unknown, whole: boolean, where: string, text: boolean, keep?: Set<string>): { values: Record<string, unknown>; problems: FieldProblem[] } {
    const problems: FieldProblem[] = [];
    const values: Record<string, unknown> = {};
    if (!isRecord(body)) return { values, problems: [{ field: where, message: 'must be an object of field names and values' }] };
    for (const [key, value] of Object.entries(body)) {
      const field = fieldOf(resource, key);
      const at = `${where}.${key}`;
      if (field === undefined) {
        problems.push({ field: at, message: 'is not a field of this resource' });
        continue;
      }
      if (isServerSet(field)) {
        problems.push({ field: at, message: 'is set by the server' });
        continue;
      }
      if (field.kind === 'file' && value !== null) {
        problems.push({ field: at, message: `is uploaded with PUT /api/db/{name}/resources/${resource.name}/{id}/files/${key}` });
        continue;
      }
      // In text (CSV) an empty cell is no value.
      if (value === null || (text && value === '')) {
        if (field.required) problems.push({ field: at, message: 'is required' });
        else if (!field.nullable) problems.push({ field: at, message: 'must not be null' });
        else values[key] = field.manyToMany ? [] : null;
        continue;
      }
      const coerced = coerceInput(field, text && typeof value === 'string' ? fromText(field, value) : value);
      if (!coerced.ok) problems.push({ field: at, message: coerced.message });
      else values[key] = coerced.value;
    }
    if (whole) {
      for (const field of resource.fields) {
        if (!field.required || isServerSet(field) || Object.hasOwn(values, field.name) || keep?.has(field.name)) continue;
        if (field.default !== undefined) continue;
        if (!problems.some((p) => p.field === `${where}.${field.name}`)) problems.push({ field: `${where}.${field.name}`, message: 'is required' });
      }
    }
    return { values, problems };
  }

  /** The stored form of one value: passwords hashed, encrypted fields encrypted, then the engine's type. */
  private async storeValue(resource: ResourceDef, field: FieldDef, value: unknown, hashNow = true): Promise<TxValue> {
    if (value === null || value === undefined) return null;
    // Whatever a client sends is hashed, a string that looks like a hash included (it would skip the field's checks).
    if (field.security.hash && hashNow) return hashPassword(String(value));
    if (field.security.encrypt) {
      const text = field.kind === 'json' ? JSON.stringify(value) : String(value);
      return this.crypto.encrypt(text, `${resource.name}.${field.name}`);
    }
    return toStorage(field, value, this.engine);
  }

  /** A record as hooks and logs see it: the API's view of it. */
  private hookView(resource: ResourceDef, record: Record<string, unknown> | null): Record<string, unknown> | null {
    if (record === null) return null;
    const out: Record<string, unknown> = {};
    for (const field of resource.fields) if (!isHidden(field) && field.name in record) out[field.name] = record[field.name];
    return out;
  }

  private mask(resource: ResourceDef, record: Record<string, unknown> | null): Record<string, unknown> | null {
    if (record === null) return null;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) {
      const field = fieldOf(resource, key);
      out[key] = sensitiveField(field) && value !== null ? MASK : value;
    }
    return out;
  }

  /** The API's view of a stored row, decrypted: used as `old` in rules and hooks. */
  private plainRecord(resource: ResourceDef, row: Record<string, unknown>): Record<string, unknown> {
    const view = this.present(resource, row);
    for (const field of resource.fields) if (isHidden(field)) view[field.name] = row[field.name] === null ? null : MASK;
    return view;
  }

  /**
   * Runs before-hooks gating for a write: when hooks with webhooks apply and no verdict came, nothing is written and
   * the gateway is asked to call them (HookRequired). With a verdict, its token is checked against the request and the
   * current state, and the fields hooks set are returned per record.
   */
  private gate(
    resource: ResourceDef,
    event: HookEvent,
    context: RequestContext,
    records: { record: Record<string, unknown> | null; old: Record<string, unknown> | null }[],
    state: string,
  ): Record<number, Record<string, unknown>> {
    const hooks = (resource.hooks[event] ?? []).filter((h) => context.hooks.has(h));
    if (hooks.length === 0) return {};
    if (context.verdict === undefined) {
      if (records.length > 100) {
        throw new DbForgeError('VALIDATION_ERROR', `Resource '${resource.name}' has ${event} hooks: send at most 100 records per request.`, {
          details: [{ field: 'body', message: 'has more than 100 records for before-hooks' }],
        });
      }
      const calls: HookCall[] = [];
      records.forEach((entry, index) => {
        for (const hook of hooks) {
          calls.push({ index, hook, event, resource: resource.name, record: this.hookView(resource, entry.record), old_record: this.hookView(resource, entry.old) });
        }
      });
      throw new HookRequired(calls, this.tokens.issue(context.fingerprint, state, hooks));
    }
    const approved = this.tokens.verify(context.verdict.token, context.fingerprint, state);
    const missing = hooks.filter((h) => !approved.includes(h));
    if (missing.length > 0) {
      throw new DbForgeError('CONFLICT', `The hooks of this write changed while it waited (${missing.join(', ')}); send the request again.`);
    }
    return context.verdict.sets;
  }

  /** Applies fields a hook's answer set, checked like a client's (a hook can't set server-set or unknown fields). */
  private applyHookSet(resource: ResourceDef, record: Record<string, unknown>, set: Record<string, unknown> | undefined, index: number): void {
    if (set === undefined) return;
    const { values, problems } = this.checkBody(resource, set, false, `hook.set[${index}]`, false);
    for (const key of Object.keys(set)) {
      const field = fieldOf(resource, key);
      if (field && (field.security.hash || field.kind === 'file' || field.manyToMany)) problems.push({ field: `hook.set[${index}].${key}`, message: "can't be set by a hook" });
    }
    if (problems.length > 0) throw new DbForgeError('HOOK_FAILED', 'A before-hook answered fields that are not valid for this resource.', { details: problems });
    Object.assign(record, values);
  }

  /** Loads the rules' evaluator when a resource has rules (before a write starts). */
  private async prepareRules(resource: ResourceDef): Promise<void> {
    if (resource.rules.length > 0 && this.rules === undefined) this.rules = await loadRules();
  }

  /** Runs the rules of an event on a record; answers the names of the fields rules set. */
  private runRules(resource: ResourceDef, event: RuleEvent, record: Record<string, unknown>, old: Record<string, unknown> | null, actor: Actor, now: string, where: string): string[] {
    if (!resource.rules.some((rule) => rule.event === event)) return [];
    const set = this.rules!.applyRules({ resource, event, record, old, actor, now });
    const problems: FieldProblem[] = [];
    for (const [key, value] of Object.entries(set)) {
      const field = fieldOf(resource, key)!;
      if (value === null) {
        if (!field.nullable || field.required) problems.push({ field: `${where}.${key}`, message: 'was set to null by a rule, but is required' });
        continue;
      }
      const coerced = coerceInput(field, value);
      if (!coerced.ok) problems.push({ field: `${where}.${key}`, message: `was set by a rule to a value that ${coerced.message}` });
      else record[key] = coerced.value;
    }
    if (problems.length > 0) throw Errors.validation(problems);
    return Object.keys(set);
  }

  /** Unique values that another record already holds: 409 naming the fields. */
  private async checkUnique(tx: TransactionContext, resource: ResourceDef, record: Record<string, unknown>, stored: Record<string, TxValue>, self: TxValue | undefined, where: string): Promise<void> {
    const taken: FieldProblem[] = [];
    for (const index of resource.indexes.filter((i) => i.unique)) {
      if (index.fields.some((f) => record[f] === null || record[f] === undefined)) continue;
      const conditions = index.fields.map((f) => `${q(f)} = ?`);
      const params: TxValue[] = index.fields.map((f) => stored[f] ?? null);
      if (self !== undefined) {
        conditions.push(`${q(resource.primaryKey)} <> ?`);
        params.push(self);
      }
      const rows = await tx.all(`SELECT 1 AS x FROM ${q(resource.table)} WHERE ${conditions.join(' AND ')} LIMIT 1`, params);
      if (rows.length > 0) {
        taken.push({
          field: `${where}.${index.fields.join('+')}`,
          // Personal data and secrets stay out of the message (messages are logged).
          message:
            index.fields.length !== 1
              ? `the combination of ${index.fields.join(', ')} is already taken`
              : sensitiveField(fieldOf(resource, index.fields[0]!))
                ? 'is already taken'
                : `'${String(record[index.fields[0]!])}' is already taken`,
        });
      }
    }
    if (taken.length > 0) {
      throw new DbForgeError('CONFLICT', taken.length === 1 ? `Conflict: ${taken[0]!.field} ${taken[0]!.message}.` : `Conflict: ${taken.map((t) => t.field).join(', ')} are already taken.`, { details: taken });
    }
  }

  /** References to records that do not exist: 422 naming the fields. Targets not defined yet are not checked. */
  private async checkReferences(tx: TransactionContext, resource: ResourceDef, record: Record<string, unknown>, where: string, only?: Set<string>): Promise<FieldProblem[]> {
    const problems: FieldProblem[] = [];
    for (const field of resource.fields) {
      // Magic fields hold the caller's id, set by the server: a platform caller is no database user, and that is fine.
      if (field.references === undefined || field.magic !== undefined || (only && !only.has(field.name))) continue;
      const value = record[field.name];
      if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) continue;
      const builtin = refersToBuiltinUsers(field, this.definitions());
      const target = builtin ? { name: 'users', table: USERS_TABLE } : this.registry.get(field.references.resource)?.definition;
      const key = this.targetKey(field);
      if (target === undefined || key === undefined) continue;
      // The users' tables appear with the first sign-up; until then no user exists (and the check says so).
      if (builtin) for (const sql of USER_TABLES_SQL) await tx.run(sql);
      const ids = (field.manyToMany ? (value as unknown[]) : [value]).map((v) => toStorage(key, v, this.engine));
      const rows = await tx.all(`SELECT ${q(key.name)} AS k FROM ${q(target.table)} WHERE ${q(key.name)} IN (${ids.map(() => '?').join(', ')})`, ids);
      const found = new Set(rows.map((r) => String(r.k)));
      const missing = ids.filter((id) => !found.has(String(id)));
      if (missing.length > 0) {
        problems.push({ field: `${where}.${field.name}`, message: `refers to no '${target.name}' record with ${key.name} ${missing.map((m) => `'${String(m)}'`).join(', ')}` });
      }
    }
    return problems;
  }

  private async writeLinks(tx: TransactionContext, resource: ResourceDef, key: TxValue, record: Record<string, unknown>, replace: boolean): Promise<void> {
    for (const field of resource.fields.filter((f) => f.manyToMany)) {
      if (!Object.hasOwn(record, field.name)) continue;
      const table = q(joinTableOf(resource.name, field.name));
      if (replace) await tx.run(`DELETE FROM ${table} WHERE source_id = ?`, [key]);
      for (const target of (record[field.name] as unknown[]) ?? []) {
        await tx.run(`INSERT INTO ${table} (source_id, target_id) VALUES (?, ?)`, [key, target as TxValue]);
      }
    }
  }

  private async enqueueAfter(tx: TransactionContext, resource: ResourceDef, event: HookEvent, context: RequestContext, id: string | null, record: Record<string, unknown> | null, old: Record<string, unknown> | null, now: string): Promise<number> {
    const hooks = (resource.hooks[event] ?? []).filter((h) => context.hooks.has(h));
    for (const hook of hooks) {
      await enqueue(tx, {
        hook,
        event,
        resource: resource.name,
        recordId: id,
        now,
        payload: { hook, event, database: this.options.database, resource: resource.name, record, old_record: old, actor: context.actor, occurred_at: now },
      });
    }
    return hooks.length;
  }

  /**
   * Creates records in one transaction (one for POST, many for bulk and import): all valid and written, or none. Each
   * gets defaults, magic fields, rules and before-hooks; the reply holds the stored records as the API shows them.
   */
  async createMany(name: string, bodies: unknown[], context: RequestContext, options: { where: (i: number) => string; text?: boolean } ): Promise<WriteResult<Record<string, unknown>[]>> {
    const resource = this.require(name);
    await this.prepareRules(resource);
    if (bodies.length > (options.text ? MAX_IMPORT : MAX_BULK)) {
      throw Errors.validation([{ field: 'body', message: `has more than ${options.text ? MAX_IMPORT : MAX_BULK} records` }]);
    }
    const now = new Date().toISOString();
    const problems: FieldProblem[] = [];
    const records: Record<string, unknown>[] = [];
    bodies.forEach((body, i) => {
      const checked = this.checkBody(resource, body, true, options.where(i), options.text ?? false);
      problems.push(...checked.problems);
      const record: Record<string, unknown> = {};
      for (const field of resource.fields) {
        if (field.primary && field.generated) continue;
        if (field.magic !== undefined) record[field.name] = this.magicValue(field, now, context.actor);
        else if (Object.hasOwn(checked.values, field.name)) record[field.name] = checked.values[field.name];
        else if (field.manyToMany) record[field.name] = [];
        else if (field.kind !== 'file') record[field.name] = this.defaultValue(field, now);
      }
      records.push(record);
    });
    if (problems.length > 0) throw Errors.validation(problems);
    await this.permissionsReady(resource, context.actor);
    records.forEach((record, i) => this.checkWrite(resource, 'create', context.actor, record, bodies[i]));
    records.forEach((record, i) => this.runRules(resource, 'before_create', record, null, context.actor, now, options.where(i)));
    const sets = this.gate(resource, 'before_create', context, records.map((record) => ({ record, old: null })), 'new');
    records.forEach((record, i) => this.applyHookSet(resource, record, sets[i], i));

    const pk = fieldOf(resource, resource.primaryKey)!;
    const columns = columnFields(resource).filter((f) => !databaseGeneratesKey(f));
    const prepared: TxValue[][] = [];
    for (const record of records) {
      if (pk.generated && pk.kind === 'cuid') record[pk.name] = newCuid();
      const values: TxValue[] = [];
      for (const field of columns) values.push(await this.storeValue(resource, field, record[field.name] ?? null));
      prepared.push(values);
    }
    const insert = `INSERT INTO ${q(resource.table)} (${columns.map((f) => q(f.name)).join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) RETURNING *`;
    let outboxed = 0;
    const created = await this.adapter.transaction(async (tx) => {
      const refProblems: FieldProblem[] = [];
      for (let i = 0; i < records.length; i++) {
        const stored: Record<string, TxValue> = {};
        columns.forEach((f, c) => (stored[f.name] = prepared[i]![c]!));
        await this.checkUnique(tx, resource, records[i]!, stored, undefined, options.where(i));
        refProblems.push(...(await this.checkReferences(tx, resource, records[i]!, options.where(i))));
      }
      if (refProblems.length > 0) throw Errors.validation(refProblems);
      const out: Record<string, unknown>[] = [];
      const events: NewEvent[] = [];
      for (let i = 0; i < records.length; i++) {
        const [row] = await tx.all(insert, prepared[i]);
        const key = row![resource.primaryKey] as TxValue;
        await this.writeLinks(tx, resource, key, records[i]!, false);
        const view = this.present(resource, row!, await this.linksOf(tx, resource, [key]));
        outboxed += await this.enqueueAfter(tx, resource, 'after_create', context, String(key), view, null, now);
        events.push({ op: 'create', resource: resource.name, table: resource.table, recordId: String(key), before: null, after: await this.viewOf(tx, resource, row!) });
        out.push(view);
      }
      await this.recordEvents(tx, this.changeContext(context), events);
      return out;
    }, { context: this.changeContext(context), recordsEvents: true });
    for (const record of created) this.options.log?.({ resource: name, id: record[resource.primaryKey], actor: context.actor.id, record: this.mask(resource, record) }, 'record created');
    // The reply shows the caller what they may read of what they wrote, no more.
    return { value: created.map((record) => this.withoutHidden(resource, context.actor, record)), outboxed };
  }

  async create(name: string, body: unknown, context: RequestContext): Promise<WriteResult<Record<string, unknown>>> {
    const result = await this.createMany(name, [body], context, { where: () => 'body' });
    return { value: result.value[0]!, outboxed: result.outboxed };
  }

  /** PATCH (partial) or PUT (whole: fields left out go back to their default; hidden fields keep their value). */
  async update(name: string, id: string, body: unknown, partial: boolean, context: RequestContext): Promise<WriteResult<Record<string, unknown>>> {
    const resource = this.require(name);
    await this.prepareRules(resource);
    await this.permissionsReady(resource, context.actor);
    const key = this.keyValue(resource, id);
    const keep = new Set(resource.fields.filter((f) => isHidden(f) || f.kind === 'file').map((f) => f.name));
    const checked = this.checkBody(resource, body, !partial, 'body', false, keep);
    if (checked.problems.length > 0) throw Errors.validation(checked.problems);
    const now = new Date().toISOString();
    // Passwords are hashed before the transaction: argon2 is slow on purpose, and the database waits for nobody.
    const hashed: Record<string, TxValue> = {};
    for (const field of resource.fields) {
      if (field.security.hash && checked.values[field.name] !== undefined && checked.values[field.name] !== null) {
        hashed[field.name] = await hashPassword(String(checked.values[field.name]));
      }
    }
    let outboxed = 0;
    const updated = await this.adapter.transaction(async (tx) => {
      const row = await this.fetchRow(tx, resource, key);
      if (row === undefined) throw recordNotFound(name, id);
      const beforeView = await this.viewOf(tx, resource, row);
      const old = this.plainRecord(resource, row);
      const oldLinks = await this.linksOf(tx, resource, [key]);
      for (const field of resource.fields.filter((f) => f.manyToMany)) old[field.name] = oldLinks.get(field.name)?.get(String(key)) ?? [];
      // What a replace leaves alone: fields the caller may not see or may not set keep their value.
      const untouchable = new Set<string>();
      if (!bypassesPermissions(context.actor)) {
        // Rules see the record as stored, in clear (the event's view seals personal data with a random IV).
        const current = this.present(resource, row, oldLinks);
        if (!allows(resource, 'read', context.actor, current)) throw recordNotFound(name, id);
        this.checkWrite(resource, 'update', context.actor, current, body);
        for (const field of hiddenFields(resource, context.actor, current)) untouchable.add(field);
        const everything = Object.fromEntries(resource.fields.map((f) => [f.name, null]));
        for (const field of unwritableFields(resource, context.actor, current, everything)) untouchable.add(field);
      }
      const record: Record<string, unknown> = { ...old };
      const problems: FieldProblem[] = [];
      for (const field of resource.fields) {
        if (isServerSet(field)) continue;
        if (Object.hasOwn(checked.values, field.name)) {
          const next = checked.values[field.name];
          if (field.immutable && JSON.stringify(next) !== JSON.stringify(old[field.name])) {
            problems.push({ field: `body.${field.name}`, message: "can't be changed once written" });
          }
          record[field.name] = next;
        } else if (!partial && !keep.has(field.name) && !untouchable.has(field.name)) {
          record[field.name] = field.manyToMany ? [] : field.immutable ? old[field.name] : this.defaultValue(field, now);
        }
      }
      if (problems.length > 0) throw Errors.validation(problems);
      for (const field of resource.fields) {
        if (field.magic === 'auto_now' || field.magic === 'auto_user') record[field.name] = this.magicValue(field, now, context.actor);
      }
      const ruleSet = this.runRules(resource, 'before_update', record, old, context.actor, now, 'body');
      const sets = this.gate(resource, 'before_update', context, [{ record, old }], sha256(JSON.stringify(row)));
      this.applyHookSet(resource, record, sets[0], 0);
      const changedByServer = new Set([...ruleSet, ...Object.keys(sets[0] ?? {})]);

      const stored: Record<string, TxValue> = {};
      for (const field of columnFields(resource)) {
        if (field.primary || field.kind === 'file') continue;
        const provided = Object.hasOwn(checked.values, field.name) || changedByServer.has(field.name);
        // Hidden fields are never shown, so a client can't send them back: unless given, they keep their value.
        if (isHidden(field) && !provided) continue;
        if (field.security.hash) {
          stored[field.name] = hashed[field.name] ?? null;
          continue;
        }
        stored[field.name] = await this.storeValue(resource, field, record[field.name] ?? null);
      }
      await this.checkUnique(tx, resource, record, { ...this.storedKeys(resource, row), ...stored }, key, 'body');
      const refProblems = await this.checkReferences(tx, resource, record, 'body', new Set([...Object.keys(checked.values), ...changedByServer]));
      if (refProblems.length > 0) throw Errors.validation(refProblems);
      const assignments = Object.keys(stored);
      if (assignments.length > 0) {
        await tx.run(`UPDATE ${q(resource.table)} SET ${assignments.map((c) => `${q(c)} = ?`).join(', ')} WHERE ${q(resource.primaryKey)} = ?`, [...Object.values(stored), key]);
      }
      const linkChanges = Object.fromEntries(resource.fields.filter((f) => f.manyToMany && (Object.hasOwn(checked.values, f.name) || !partial)).map((f) => [f.name, record[f.name]]));
      await this.writeLinks(tx, resource, key, linkChanges, true);
      const after = await this.fetchRow(tx, resource, key);
      const view = this.present(resource, after!, await this.linksOf(tx, resource, [key]));
      outboxed = await this.enqueueAfter(tx, resource, 'after_update', context, String(key), view, this.hookView(resource, old), now);
      await this.recordUpdate(tx, context, resource, String(key), beforeView, await this.viewOf(tx, resource, after!));
      return view;
    }, { context: this.changeContext(context), recordsEvents: true });
    this.options.log?.({ resource: name, id, actor: context.actor.id, record: this.mask(resource, updated) }, 'record updated');
    return { value: this.withoutHidden(resource, context.actor, updated), outboxed };
  }

  private storedKeys(resource: ResourceDef, row: Record<string, unknown>): Record<string, TxValue> {
    const out: Record<string, TxValue> = {};
    for (const index of resource.indexes) for (const f of index.fields) out[f] = row[f] as TxValue;
    return out;
  }

  async remove(name: string, id: string, context: RequestContext): Promise<WriteResult<null>> {
    const resource = this.require(name);
    await this.prepareRules(resource);
    await this.permissionsReady(resource, context.actor);
    const key = this.keyValue(resource, id);
    const now = new Date().toISOString();
    const files: string[] = [];
    let outboxed = 0;
    await this.adapter.transaction(async (tx) => {
      const row = await this.fetchRow(tx, resource, key);
      if (row === undefined) throw recordNotFound(name, id);
      const old = this.plainRecord(resource, row);
      if (!bypassesPermissions(context.actor)) {
        const view = this.present(resource, row);
        if (!allows(resource, 'read', context.actor, view)) throw recordNotFound(name, id);
        this.checkWrite(resource, 'delete', context.actor, view, undefined);
      }
      this.runRules(resource, 'before_delete', { ...old }, old, context.actor, now, 'record');
      this.gate(resource, 'before_delete', context, [{ record: null, old }], sha256(JSON.stringify(row)));
      const events: NewEvent[] = [];
      await this.deleteCascading(tx, resource, row, files, 0, new Set(), events);
      outboxed = await this.enqueueAfter(tx, resource, 'after_delete', context, id, null, this.hookView(resource, this.present(resource, row)), now);
      await this.recordEvents(tx, this.changeContext(context), events);
    }, { context: this.changeContext(context), recordsEvents: true });
    for (const file of files) fs.rmSync(file, { force: true });
    this.options.log?.({ resource: name, id, actor: context.actor.id }, 'record deleted');
    return { value: null, outboxed };
  }

  /** Deletes a row after applying `on_delete` of every reference to it (restrict: 409; cascade; set_null). */
  private async deleteCascading(tx: TransactionContext, resource: ResourceDef, row: Record<string, unknown>, files: string[], depth: number, seen: Set<string>, events: NewEvent[]): Promise<void> {
    const key = row[resource.primaryKey] as TxValue;
    const marker = `${resource.name}:${String(key)}`;
    if (seen.has(marker)) return;
    seen.add(marker);
    if (depth > MAX_CASCADE_DEPTH) throw new DbForgeError('CONFLICT', `Deleting cascades more than ${MAX_CASCADE_DEPTH} levels deep; nothing was deleted.`);
    // Every record a delete changes gets its event: the record itself, cascaded deletes, references set to null and
    // records whose many-to-many links to it go.
    const selfView = await this.viewOf(tx, resource, row);
    for (const stored of this.registry.values()) {
      const other = stored.definition;
      for (const field of other.fields) {
        if (field.references?.resource !== resource.name) continue;
        const targetKey = field.references.field ?? resource.primaryKey;
        const value = row[targetKey] as TxValue;
        if (value === null || value === undefined) continue;
        if (field.manyToMany) {
          const table = q(joinTableOf(other.name, field.name));
          if (field.references.onDelete === 'restrict') {
            const linked = await tx.all(`SELECT count(*) AS n FROM ${table} WHERE target_id = ?`, [value]);
            if (Number(linked[0]?.n ?? 0) > 0) throw this.restricted(resource, other, field, Number(linked[0]?.n));
          }
          const sources = await tx.all(`SELECT DISTINCT source_id FROM ${table} WHERE target_id = ?`, [value]);
          const before: { id: TxValue; view: Record<string, unknown> }[] = [];
          for (const source of sources) {
            const sourceId = source.source_id as TxValue;
            const sourceRow = await this.fetchRow(tx, other, sourceId);
            if (sourceRow && !seen.has(`${other.name}:${String(sourceId)}`)) before.push({ id: sourceId, view: await this.viewOf(tx, other, sourceRow) });
          }
          await tx.run(`DELETE FROM ${table} WHERE target_id = ?`, [value]);
          for (const { id: sourceId, view } of before) {
            const sourceRow = await this.fetchRow(tx, other, sourceId);
            if (sourceRow) events.push({ op: 'update', resource: other.name, table: other.table, recordId: String(sourceId), before: view, after: await this.viewOf(tx, other, sourceRow) });
          }
          continue;
        }
        const referring = await tx.all(`SELECT * FROM ${q(other.table)} WHERE ${q(field.name)} = ?`, [value]);
        if (referring.length === 0) continue;
        switch (field.references.onDelete) {
          case 'cascade':
            for (const child of referring) await this.deleteCascading(tx, other, child, files, depth + 1, seen, events);
            break;
          case 'set_null': {
            const before = await Promise.all(referring.map(async (child) => ({ child, view: await this.viewOf(tx, other, child) })));
            await tx.run(`UPDATE ${q(other.table)} SET ${q(field.name)} = NULL WHERE ${q(field.name)} = ?`, [value]);
            for (const { child, view } of before) {
              const childKey = child[other.primaryKey] as TxValue;
              if (seen.has(`${other.name}:${String(childKey)}`)) continue;
              events.push({ op: 'update', resource: other.name, table: other.table, recordId: String(childKey), before: view, after: { ...view, [field.name]: null } });
            }
            break;
          }
          default:
            throw this.restricted(resource, other, field, referring.length);
        }
      }
    }
    for (const field of resource.fields.filter((f) => f.manyToMany)) {
      await tx.run(`DELETE FROM ${q(joinTableOf(resource.name, field.name))} WHERE source_id = ?`, [key]);
    }
    for (const field of resource.fields.filter((f) => f.kind === 'file')) {
      const meta = row[field.name] === null || row[field.name] === undefined ? null : (safeJson(String(row[field.name])) as FileMeta | null);
      if (meta?.id) files.push(this.filePath(resource, meta.id));
    }
    await tx.run(`DELETE FROM ${q(resource.table)} WHERE ${q(resource.primaryKey)} = ?`, [key]);
    events.push({ op: 'delete', resource: resource.name, table: resource.table, recordId: String(key), before: selfView, after: null });
  }

  /** An update's event, unless nothing recorded changed. */
  private async recordUpdate(tx: TransactionContext, context: RequestContext, resource: ResourceDef, id: string, before: Record<string, unknown>, after: Record<string, unknown>, source: ChangeContext['source'] = 'resources', reverts?: number): Promise<void> {
    if (JSON.stringify(before) === JSON.stringify(after) && source !== 'revert') return;
    await this.recordEvents(tx, this.changeContext(context, source, reverts), [{ op: 'update', resource: resource.name, table: resource.table, recordId: id, before, after }]);
  }

  private restricted(resource: ResourceDef, other: ResourceDef, field: FieldDef, count: number): DbForgeError {
    return new DbForgeError(
      'CONFLICT',
      `The record of '${resource.name}' can't be deleted: ${count} record(s) of '${other.name}' refer to it through '${field.name}' (on_delete: restrict).`,
      { details: [{ field: `${other.name}.${field.name}`, message: `${count} record(s) refer to it` }] },
    );
  }

  /* ---------------------------------------------------------------- import and export */

  /** Every matching record (filters and sort as for a list), as CSV or JSON. */
  async exportRecords(name: string, query: Record<string, unknown>, format: 'csv' | 'json'): Promise<string> {
    const resource = this.require(name);
    const rows: Record<string, unknown>[] = [];
    const base: Record<string, unknown> = { ...query, limit: String(1000) };
    delete base.cursor;
    delete base.offset;
    delete base.count;
    let cursor: string | null = null;
    do {
      const page = await this.list(name, cursor === null ? base : { ...base, cursor });
      rows.push(...page.data);
      cursor = page.next_cursor;
      if (rows.length > MAX_EXPORT) throw new DbForgeError('PAYLOAD_TOO_LARGE', `An export holds at most ${MAX_EXPORT} records: filter it.`);
    } while (cursor !== null);
    if (format === 'json') return JSON.stringify(rows);
    const [, { stringify: stringifyCsv }] = await loadCsv();
    const columns = resource.fields.filter((f) => !isHidden(f)).map((f) => f.name);
    const cells = rows.map((row) =>
      columns.map((column) => {
        const value = row[column];
        if (value === null || value === undefined) return '';
        if (typeof value === 'object') {
          if (Array.isArray(value) && fieldOf(resource, column)?.manyToMany) return value.join(',');
          return JSON.stringify(value);
        }
        // Text a client wrote that starts like a spreadsheet formula (=, +, -, @, tab, CR) gets a leading quote: an
        // export is opened in a spreadsheet, which would run it. Numbers are left as they are.
        if (typeof value === 'string' && FREE_TEXT_KINDS.has(fieldOf(resource, column)?.kind ?? '') && /^[=+\-@\t\r]/.test(value)) return `'${value}`;
        return String(value);
      }),
    );
    return stringifyCsv([columns, ...cells]);
  }

  /**
   * Imports records (CSV text or JSON objects): every row is checked and the failing ones are listed, all or nothing.
   * Columns the server sets (ids, magic fields) and file columns are ignored, so an export imports back.
   */
  async importRecords(name: string, input: { csv: string } | { rows: unknown[] }, context: RequestContext): Promise<WriteResult<{ imported: number; ignored_columns: string[] }>> {
    const resource = this.require(name);
    let rows: unknown[];
    const text = 'csv' in input;
    if ('csv' in input) {
      const [{ parse: parseCsv }] = await loadCsv();
      try {
        rows = parseCsv(input.csv, { columns: true, skip_empty_lines: true, bom: true, trim: false, relax_column_count: false }) as Record<string, string>[];
      } catch (error) {
        throw new DbForgeError('BAD_REQUEST', `The CSV can't be read: ${(error as Error).message}`);
      }
    } else {
      rows = input.rows;
    }
    if (rows.length === 0) throw new DbForgeError('BAD_REQUEST', 'Nothing to import: no rows.');
    const ignored = new Set<string>();
    const cleaned = rows.map((row) => {
      if (!isRecord(row)) return row;
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(row)) {
        const field = fieldOf(resource, key);
        if (field && (isServerSet(field) || field.kind === 'file' || isHidden(field) && value === '')) {
          ignored.add(key);
          continue;
        }
        if (text && value === '' && field && !field.required) continue;
        out[key] = value;
      }
      return out;
    });
    const result = await this.createMany(name, cleaned, context, { where: (i) => `rows[${i}]`, text });
    return { value: { imported: result.value.length, ignored_columns: [...ignored].sort() }, outboxed: result.outboxed };
  }

  /* ---------------------------------------------------------------- files */

  private filePath(resource: ResourceDef, id: string): string {
    return path.join(this.filesDir, resource.name, id);
  }

  private fileField(resource: ResourceDef, name: string): FieldDef {
    const field = fieldOf(resource, name);
    if (field === undefined || field.kind !== 'file') throw new DbForgeError('NOT_FOUND', `Resource '${resource.name}' has no file field '${name}'.`);
    return field;
  }

  /**
   * Stores an upload beside the database (never inside the web server's reach: only this API serves it), checked
   * against the field's `accept` and `max_size` while it streams, then records it on the record in one transaction.
   */
  async uploadFile(name: string, id: string, fieldName: string, body: Readable | AsyncIterable<Buffer>, meta: { contentType: string; filename?: string | undefined }, context: RequestContext): Promise<WriteResult<Record<string, unknown>>> {
    const resource = this.require(name);
    const field = this.fileField(resource, fieldName);
    const key = this.keyValue(resource, id);
    const contentType = meta.contentType.split(';')[0]!.trim().toLowerCase() || 'application/octet-stream';
    // Path separators, quotes and control characters never reach a header or a log line.
    const filename = [...(meta.filename ?? fieldName)].map((c) => (c === '/' || c === '\\' || c === '"' || c.charCodeAt(0) < 32 ? '_' : c)).join('').slice(0, 255) || fieldName;
    if (field.accept && field.accept.length > 0) {
      const extension = path.extname(filename).toLowerCase();
      const accepted = field.accept.some((pattern) => {
        const p = pattern.toLowerCase();
        if (p.startsWith('.')) return extension === p;
        if (p.endsWith('/*')) return contentType.startsWith(p.slice(0, -1));
        return contentType === p;
      });
      if (!accepted) {
        throw Errors.validation([{ field: `file.${fieldName}`, message: `must be one of ${field.accept.join(', ')} (got ${contentType}${extension ? `, ${extension}` : ''})` }]);
      }
    }
    const fileId = crypto.randomUUID();
    const dir = path.join(this.filesDir, resource.name);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const partial = path.join(dir, `${fileId}.part`);
    const hash = crypto.createHash('sha256');
    let size = 0;
    const limit = field.maxSize ?? Number.MAX_SAFE_INTEGER;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > limit) {
          done(new DbForgeError('PAYLOAD_TOO_LARGE', `The file is larger than the field's max_size of ${limit} bytes.`));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const out = fs.createWriteStream(partial, { mode: 0o600 });
    try {
      await pipeline(body, counter, out);
    } catch (error) {
      // The file may still be opening: remove it only once the stream has closed, or it would come back.
      if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
      fs.rmSync(partial, { force: true });
      if (error instanceof DbForgeError) throw error;
      throw new DbForgeError('BAD_REQUEST', 'The upload was interrupted.', { cause: error });
    }
    const final = this.filePath(resource, fileId);
    fs.renameSync(partial, final);
    const now = new Date().toISOString();
    const stored: FileMeta = { id: fileId, name: filename, size, content_type: contentType, sha256: hash.digest('hex'), uploaded_at: now };
    let previous: FileMeta | null = null;
    let outboxed = 0;
    try {
      const view = await this.adapter.transaction(async (tx) => {
        const row = await this.fetchRow(tx, resource, key);
        if (row === undefined) throw recordNotFound(name, id);
        const beforeView = await this.viewOf(tx, resource, row);
        previous = row[fieldName] === null || row[fieldName] === undefined ? null : (safeJson(String(row[fieldName])) as FileMeta | null);
        const old = this.hookView(resource, this.present(resource, row));
        const assignments: [string, TxValue][] = [[fieldName, JSON.stringify(stored)]];
        for (const f of resource.fields) {
          if (f.magic === 'auto_now' || f.magic === 'auto_user') assignments.push([f.name, await this.storeValue(resource, f, this.magicValue(f, now, context.actor))]);
        }
        await tx.run(`UPDATE ${q(resource.table)} SET ${assignments.map(([c]) => `${q(c)} = ?`).join(', ')} WHERE ${q(resource.primaryKey)} = ?`, [...assignments.map(([, v]) => v), key]);
        const after = await this.fetchRow(tx, resource, key);
        const presented = this.present(resource, after!, await this.linksOf(tx, resource, [key]));
        outboxed = await this.enqueueAfter(tx, resource, 'after_update', context, id, presented, old, now);
        await this.recordUpdate(tx, context, resource, String(key), beforeView, await this.viewOf(tx, resource, after!));
        return presented;
      }, { context: this.changeContext(context), recordsEvents: true });
      const old = previous as FileMeta | null;
      if (old?.id) fs.rmSync(this.filePath(resource, old.id), { force: true });
      this.options.log?.({ resource: name, id, field: fieldName, size, actor: context.actor.id }, 'file uploaded');
      return { value: this.withoutHidden(resource, context.actor, view), outboxed };
    } catch (error) {
      fs.rmSync(final, { force: true });
      throw error;
    }
  }

  async downloadFile(name: string, id: string, fieldName: string): Promise<{ meta: FileMeta; stream: Readable }> {
    const resource = this.require(name);
    this.fileField(resource, fieldName);
    const key = this.keyValue(resource, id);
    const row = await this.adapter.transaction((tx) => this.fetchRow(tx, resource, key));
    if (row === undefined) throw recordNotFound(name, id);
    const meta = row[fieldName] === null || row[fieldName] === undefined ? null : (safeJson(String(row[fieldName])) as FileMeta | null);
    if (meta === null || !meta.id) throw new DbForgeError('NOT_FOUND', `The record has no file in '${fieldName}'.`);
    const file = this.filePath(resource, meta.id);
    if (!fs.existsSync(file)) throw new DbForgeError('NOT_FOUND', `The file of '${fieldName}' is missing from storage.`);
    return { meta, stream: fs.createReadStream(file) };
  }

  async deleteFile(name: string, id: string, fieldName: string, context: RequestContext): Promise<WriteResult<Record<string, unknown>>> {
    const resource = this.require(name);
    this.fileField(resource, fieldName);
    const key = this.keyValue(resource, id);
    const now = new Date().toISOString();
    let previous: FileMeta | null = null;
    let outboxed = 0;
    const view = await this.adapter.transaction(async (tx) => {
      const row = await this.fetchRow(tx, resource, key);
      if (row === undefined) throw recordNotFound(name, id);
      const beforeView = await this.viewOf(tx, resource, row);
      previous = row[fieldName] === null || row[fieldName] === undefined ? null : (safeJson(String(row[fieldName])) as FileMeta | null);
      const old = this.hookView(resource, this.present(resource, row));
      await tx.run(`UPDATE ${q(resource.table)} SET ${q(fieldName)} = NULL WHERE ${q(resource.primaryKey)} = ?`, [key]);
      const after = await this.fetchRow(tx, resource, key);
      const presented = this.present(resource, after!, await this.linksOf(tx, resource, [key]));
      outboxed = await this.enqueueAfter(tx, resource, 'after_update', context, id, presented, old, now);
      await this.recordUpdate(tx, context, resource, String(key), beforeView, await this.viewOf(tx, resource, after!));
      return presented;
    }, { context: this.changeContext(context), recordsEvents: true });
    const old = previous as FileMeta | null;
    if (old?.id) fs.rmSync(this.filePath(resource, old.id), { force: true });
    return { value: this.withoutHidden(resource, context.actor, view), outboxed };
  }

  /* ---------------------------------------------------------------- outbox */

  async outboxDue(limit: number): Promise<OutboxEntry[]> {
    return this.adapter.transaction((tx) => dueDeliveries(tx, new Date().toISOString(), limit));
  }

  /** Deliveries the gateway made: removed from the outbox. */
  async outboxAck(ids: number[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.adapter.transaction((tx) => tx.run(`DELETE FROM ${OUTBOX_TABLE} WHERE id IN (${ids.map(() => '?').join(', ')})`, ids));
  }

  /** A failed delivery: tried again at `retryAt`, or kept as dead after the last attempt. */
  async outboxFail(id: number, error: string, retryAt: string, dead: boolean): Promise<number> {
    return this.adapter.transaction((tx) =>
      tx.run(`UPDATE ${OUTBOX_TABLE} SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, status = ? WHERE id = ?`, [error.slice(0, 1000), retryAt, dead ? 'dead' : 'pending', id]),
    );
  }

  async outboxStats(): Promise<{ pending: number; dead: number }> {
    return this.adapter.transaction((tx) => outboxCounts(tx));
  }

  /* ---------------------------------------------------------------- events: history, a record at a time, revert */

  /**
   * Whether `actor` may read `record` (the record after the change, or before it for a delete) of `table`, a resource
   * or a plain table. Platform callers read everything; a database's end users read the records of resources their
   * `read` permission allows, and nothing of plain tables.
   */
  canRead(table: string, record: Record<string, unknown> | null, actor: Actor): boolean {
    if (bypassesPermissions(actor)) return true;
    const resource = this.registry.get(table)?.definition;
    return resource !== undefined && record !== null && allows(resource, 'read', actor, record);
  }

  /** Recorded events opened in clear, for `eventFor` (kept as long as the event is). */
  private readonly openedEvents = new WeakMap<ChangeEvent, { before: Record<string, unknown> | null; after: Record<string, unknown> | null }>();

  /**
   * An event as `actor` may see it: null when they may not read its record, else the event itself, or a copy without
   * the fields their field-level `read` permissions keep from them. The realtime fan-out asks this for every event and
   * subscriber.
   */
  eventFor(event: ChangeEvent, actor: Actor): ChangeEvent | null {
    if (bypassesPermissions(actor)) return event;
    const resource = this.registry.get(event.table)?.definition;
    if (resource === undefined) return null;
    // Permissions decide on the records in clear (a presented event masks personal data, which a rule may test).
    const raw = (event as { [RAW_EVENT]?: ChangeEvent })[RAW_EVENT] ?? event;
    // Opened once per event, whatever the number of subscribers asking (opening decrypts personal data).
    let opened = this.openedEvents.get(raw);
    if (opened === undefined) {
      opened = {
        before: raw.before === null ? null : openEventRecord(resource, raw.before, this.crypto),
        after: raw.after === null ? null : openEventRecord(resource, raw.after, this.crypto),
      };
      this.openedEvents.set(raw, opened);
    }
    const { before, after } = opened;
    if (!this.canRead(event.table, after ?? before, actor)) return null;
    // The state before a change is shown only to a caller who could have read it.
    const showBefore = event.before !== null && before !== null && (after === null || allows(resource, 'read', actor, before));
    const shownBefore = showBefore ? this.withoutHiddenOf(resource, actor, event.before!, before) : null;
    const shownAfter = event.after === null || after === null ? event.after : this.withoutHiddenOf(resource, actor, event.after, after);
    return shownBefore === event.before && shownAfter === event.after ? event : { ...event, before: shownBefore, after: shownAfter };
  }

  /** `shown` without the fields whose field-level `read` the actor fails, decided on `record` (the same record in clear). */
  private withoutHiddenOf(resource: ResourceDef, actor: Actor, shown: Record<string, unknown>, record: Record<string, unknown>): Record<string, unknown> {
    const hidden = hiddenFields(resource, actor, record);
    if (hidden.length === 0) return shown;
    const out = { ...shown };
    for (const field of hidden) delete out[field];
    return out;
  }

  /** Loads the expression language when a resource's permissions use it (CEL is not loaded by databases without). */
  private async loadPermissionLanguageIfUsed(): Promise<void> {
    if ([...this.registry.values()].some((stored) => usesExpressions(stored.definition))) await loadPermissionLanguage();
  }

  /** An event as the API shows it: hidden fields left out, personal data masked, ciphertext decrypted. */
  presentEvent(event: ChangeEvent): ChangeEvent {
    if (event.resource === null) return event;
    const def = this.registry.get(event.resource)?.definition;
    const presented = { ...event, before: presentEventRecord(def, event.before, this.crypto), after: presentEventRecord(def, event.after, this.crypto) };
    // The recorded event rides along, out of sight of JSON, for `eventFor` to decide permissions on.
    Object.defineProperty(presented, RAW_EVENT, { value: event, enumerable: false });
    return presented;
  }

  /** The key of a record as its events record it. */
  recordKey(name: string, id: string): string {
    const resource = this.require(name);
    return String(this.keyValue(resource, id));
  }

  /**
   * A record as it was at `at` (ISO 8601), as the API shows records. From its events; a record the log knows nothing
   * about has not changed since the log began, so it is as it is now.
   */
  async recordAt(name: string, id: string, at: string): Promise<Record<string, unknown>> {
    const resource = this.require(name);
    const key = String(this.keyValue(resource, id));
    const state = await this.events.stateAt(resource.table, key, at);
    if (!state.known) return this.getRecord(name, id);
    if (!state.exists) throw new DbForgeError('NOT_FOUND', `No record of '${name}' with id '${id}' at ${at}.`);
    const open = openEventRecord(resource, state.record, this.crypto);
    const out: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(open)) {
      const def = fieldOf(resource, field);
      if (def && isHidden(def)) continue;
      if (def?.security.encrypt && typeof value === 'string' && FieldCrypto.isEncrypted(value)) {
        const plain = this.crypto.decrypt(value, `${resource.name}.${field}`);
        out[field] = def.kind === 'json' ? safeJson(plain) : plain;
      } else if (def?.kind === 'file' && isRecord(value)) {
        const meta = value as unknown as FileMeta;
        out[field] = { name: meta.name, size: meta.size, content_type: meta.content_type, sha256: meta.sha256, uploaded_at: meta.uploaded_at, url: this.fileUrl(resource, key, field) };
      } else {
        out[field] = value;
      }
    }
    return out;
  }

  /**
   * Applies the inverse of an event as a new event attributed to the caller: a create is undone by deleting the
   * record, an update by setting the fields it changed back, a delete by creating the record again with its key. When
   * the record changed after the event, the answer is CONFLICT naming the newer events, unless `force`.
   * Reverts run no rules and no before-hooks (they restore a state that passed them); after-hooks are delivered.
   */
  async revert(eventId: number, options: { force?: boolean }, context: RequestContext): Promise<{ reverted: ChangeEvent; event: ChangeEvent | null }> {
    const event = await this.events.get(eventId);
    if (event === undefined) throw new DbForgeError('NOT_FOUND', `No event with id ${eventId}.`);
    if (event.record_id === null) {
      throw new DbForgeError('CONFLICT', `Event ${eventId} has no record key (a DuckDB table without a primary key): it can't be reverted.`);
    }
    const change = this.changeContext(context, 'revert', eventId);
    const checkNewer = async (tx: TransactionContext) => {
      if (options.force) return;
      const rows = await tx.all(`SELECT id FROM ${EVENTS_TABLE_NAME} WHERE tbl = ? AND record_id = ? AND id > ? ORDER BY id LIMIT 100`, [event.table, event.record_id, eventId]);
      if (rows.length > 0) {
        const newer = rows.map((r) => Number(r.id));
        throw new DbForgeError(
          'CONFLICT',
          `The record changed after event ${eventId}: event(s) ${newer.join(', ')} came later. Revert those first, or send force=true to revert anyway.`,
          { details: { newer_events: newer } },
        );
      }
    };
    if (event.resource !== null && this.registry.has(event.resource)) await this.revertRecord(event, change, context, checkNewer);
    else await this.revertRow(event, change, checkNewer);
    const rows = await this.adapter.read(`SELECT id FROM ${EVENTS_TABLE_NAME} WHERE reverts = ? ORDER BY id DESC LIMIT 1`, [eventId]);
    const written = rows[0] === undefined ? undefined : await this.events.get(Number(rows[0].id));
    this.options.log?.({ event: eventId, table: event.table, id: event.record_id, actor: context.actor.id }, 'event reverted');
    return { reverted: this.presentEvent(event), event: written === undefined ? null : this.presentEvent(written) };
  }

  private gone(event: ChangeEvent, what: string): DbForgeError {
    return new DbForgeError('CONFLICT', `Event ${event.id} can't be reverted: ${what}.`, { details: { event: event.id, table: event.table, record_id: event.record_id } });
  }

  private async revertRecord(event: ChangeEvent, change: ChangeContext, context: RequestContext, checkNewer: (tx: TransactionContext) => Promise<void>): Promise<void> {
    const resource = this.require(event.resource!);
    const key = this.keyValue(resource, event.record_id!);
    const now = new Date().toISOString();
    const files: string[] = [];
    await this.adapter.transaction(async (tx) => {
      await checkNewer(tx);
      const row = await this.fetchRow(tx, resource, key);
      const events: NewEvent[] = [];
      if (event.op === 'create') {
        if (row === undefined) throw this.gone(event, 'the record no longer exists');
        await this.deleteCascading(tx, resource, row, files, 0, new Set(), events);
        await this.enqueueAfter(tx, resource, 'after_delete', context, String(key), null, this.hookView(resource, this.present(resource, row)), now);
      } else if (event.op === 'update') {
        if (row === undefined) throw this.gone(event, 'the record no longer exists');
        const before = openEventRecord(resource, event.before ?? {}, this.crypto);
        const after = openEventRecord(resource, event.after ?? {}, this.crypto);
        const stored: Record<string, TxValue> = {};
        const links: Record<string, unknown> = {};
        for (const field of resource.fields) {
          if (field.primary || field.magic !== undefined || field.kind === 'file' || !(field.name in before)) continue;
          if (JSON.stringify(before[field.name]) === JSON.stringify(after[field.name])) continue;
          if (field.manyToMany) links[field.name] = before[field.name] ?? [];
          else stored[field.name] = this.restoredValue(resource, field, before[field.name]);
        }
        for (const field of resource.fields) {
          if (field.magic === 'auto_now' || field.magic === 'auto_user') stored[field.name] = await this.storeValue(resource, field, this.magicValue(field, now, context.actor));
        }
        const beforeView = await this.viewOf(tx, resource, row);
        const columns = Object.keys(stored);
        if (columns.length > 0) {
          await tx.run(`UPDATE ${q(resource.table)} SET ${columns.map((c) => `${q(c)} = ?`).join(', ')} WHERE ${q(resource.primaryKey)} = ?`, [...Object.values(stored), key]);
        }
        await this.writeLinks(tx, resource, key, links, true);
        const changed = (await this.fetchRow(tx, resource, key))!;
        events.push({ op: 'update', resource: resource.name, table: resource.table, recordId: String(key), before: beforeView, after: await this.viewOf(tx, resource, changed) });
        await this.enqueueAfter(tx, resource, 'after_update', context, String(key), this.present(resource, changed, await this.linksOf(tx, resource, [key])), this.hookView(resource, this.present(resource, row)), now);
      } else {
        if (row !== undefined) throw this.gone(event, 'a record with its key exists again');
        const before = openEventRecord(resource, event.before ?? {}, this.crypto);
        const columns = columnFields(resource).filter((f) => f.name in before || f.primary);
        const values: TxValue[] = columns.map((f) => (f.primary ? key : f.kind === 'file' ? null : this.restoredValue(resource, f, before[f.name])));
        await tx.run(`INSERT INTO ${q(resource.table)} (${columns.map((f) => q(f.name)).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, values);
        const links: Record<string, unknown> = {};
        for (const field of resource.fields) if (field.manyToMany) links[field.name] = before[field.name] ?? [];
        await this.writeLinks(tx, resource, key, links, false);
        const created = (await this.fetchRow(tx, resource, key))!;
        events.push({ op: 'create', resource: resource.name, table: resource.table, recordId: String(key), before: null, after: await this.viewOf(tx, resource, created) });
        await this.enqueueAfter(tx, resource, 'after_create', context, String(key), this.present(resource, created, await this.linksOf(tx, resource, [key])), null, now);
      }
      await this.recordEvents(tx, change, events);
    }, { context: change, recordsEvents: true });
    for (const file of files) fs.rmSync(file, { force: true });
  }

  /** A recorded value (in clear) as stored again: hashes and ciphertext as they were, the rest as the engine stores it. */
  private restoredValue(resource: ResourceDef, field: FieldDef, value: unknown): TxValue {
    if (value === null || value === undefined) return null;
    if (field.security.hash || field.kind === 'password' || field.security.encrypt) return value as TxValue;
    return toStorage(field, value, this.engine);
  }

  /** The inverse of an event of a plain table (no resource): by the key the event recorded. */
  private async revertRow(event: ChangeEvent, change: ChangeContext, checkNewer: (tx: TransactionContext) => Promise<void>): Promise<void> {
    const detail = await this.adapter.describeTable(event.table);
    if (detail === undefined || detail.type !== 'table') throw this.gone(event, `the table '${event.table}' no longer exists`);
    const pk = detail.columns.filter((c) => c.primary_key).map((c) => c.name);
    const keyColumns = pk.length > 0 ? pk : ['rowid'];
    const keyValues = (pk.length > 1 ? (JSON.parse(event.record_id!) as TxValue[]) : [event.record_id!]) as TxValue[];
    const where = keyColumns.map((c) => `${c === 'rowid' ? 'rowid' : q(c)} = ?`).join(' AND ');
    const types = new Map(detail.columns.map((c) => [c.name, c.type.toUpperCase()]));
    const value = (column: string, v: unknown): TxValue => {
      if (v === null || v === undefined) return null;
      if (typeof v === 'string' && /BLOB|BYTEA/.test(types.get(column) ?? '')) return Buffer.from(v, 'base64');
      if (typeof v === 'object') return JSON.stringify(v);
      return v as TxValue;
    };
    // SQLite's triggers record the revert's own event; without them (DuckDB) it is recorded here.
    const captured = this.adapter.capabilities.change_capture_sql;
    const t = q(event.table);
    await this.adapter.transaction(async (tx) => {
      await checkNewer(tx);
      const current = (await tx.all(`SELECT * FROM ${t} WHERE ${where}`, keyValues))[0];
      const events: NewEvent[] = [];
      const base = { resource: null, table: event.table, recordId: event.record_id };
      if (event.op === 'create') {
        if (current === undefined) throw this.gone(event, 'the row no longer exists');
        await tx.run(`DELETE FROM ${t} WHERE ${where}`, keyValues);
        events.push({ ...base, op: 'delete', before: current, after: null });
      } else if (event.op === 'update') {
        if (current === undefined) throw this.gone(event, 'the row no longer exists');
        const before = event.before ?? {};
        const after = event.after ?? {};
        const columns = Object.keys(before).filter((c) => types.has(c) && JSON.stringify(before[c]) !== JSON.stringify(after[c]));
        if (columns.length > 0) {
          await tx.run(`UPDATE ${t} SET ${columns.map((c) => `${q(c)} = ?`).join(', ')} WHERE ${where}`, [...columns.map((c) => value(c, before[c])), ...keyValues]);
        }
        const changed = (await tx.all(`SELECT * FROM ${t} WHERE ${where}`, keyValues))[0] ?? null;
        events.push({ ...base, op: 'update', before: current, after: changed });
      } else {
        if (current !== undefined) throw this.gone(event, 'a row with its key exists again');
        const before = event.before ?? {};
        const columns = Object.keys(before).filter((c) => types.has(c));
        const names = pk.length === 0 && this.engine === 'sqlite' ? ['rowid', ...columns] : columns;
        const values = pk.length === 0 && this.engine === 'sqlite' ? [keyValues[0]!, ...columns.map((c) => value(c, before[c]))] : columns.map((c) => value(c, before[c]));
        await tx.run(`INSERT INTO ${t} (${names.map((c) => (c === 'rowid' ? 'rowid' : q(c))).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`, values);
        const created = (await tx.all(`SELECT * FROM ${t} WHERE ${where}`, keyValues))[0] ?? null;
        events.push({ ...base, op: 'create', before: null, after: created });
      }
      if (!captured) await this.recordEvents(tx, change, events);
    }, { context: change, recordsEvents: !captured });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
