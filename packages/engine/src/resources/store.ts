import type { EngineName } from '@dbforge/contracts';
import type { TransactionContext } from '../types.js';
import type { ResourceDef } from './model.js';

/**
 * The engine's own tables, inside the database they describe (the reserved prefix `_dbforge_` hides them from the
 * tables API): the current definition of each resource, every applied version with its YAML, and the after-hook
 * outbox, written in the same transaction as the records it reports.
 */
export const RESOURCES_TABLE = '_dbforge_resources';
export const VERSIONS_TABLE = '_dbforge_resource_versions';
export const OUTBOX_TABLE = '_dbforge_outbox';

function autoId(engine: EngineName, sequence: string): string {
  return engine === 'sqlite' ? 'id INTEGER PRIMARY KEY' : `id BIGINT PRIMARY KEY DEFAULT nextval('${sequence}')`;
}

export async function ensureStore(tx: TransactionContext, engine: EngineName): Promise<void> {
  const text = engine === 'sqlite' ? 'TEXT' : 'VARCHAR';
  const int = engine === 'sqlite' ? 'INTEGER' : 'BIGINT';
  if (engine === 'duckdb') {
    await tx.run('CREATE SEQUENCE IF NOT EXISTS _dbforge_seq_versions');
    await tx.run('CREATE SEQUENCE IF NOT EXISTS _dbforge_seq_outbox');
  }
  await tx.run(
    `CREATE TABLE IF NOT EXISTS ${RESOURCES_TABLE} (name ${text} PRIMARY KEY, version ${int} NOT NULL, definition ${text} NOT NULL, ` +
      `yaml ${text} NOT NULL, warnings ${text} NOT NULL, updated_at ${text} NOT NULL)`,
  );
  await tx.run(
    `CREATE TABLE IF NOT EXISTS ${VERSIONS_TABLE} (${autoId(engine, '_dbforge_seq_versions')}, resource ${text} NOT NULL, ` +
      `version ${int} NOT NULL, action ${text} NOT NULL, yaml ${text}, definition ${text}, plan ${text} NOT NULL, ` +
      `warnings ${text} NOT NULL, applied_at ${text} NOT NULL, applied_by ${text} NOT NULL)`,
  );
  await tx.run(
    `CREATE TABLE IF NOT EXISTS ${OUTBOX_TABLE} (${autoId(engine, '_dbforge_seq_outbox')}, hook ${text} NOT NULL, ` +
      `event ${text} NOT NULL, resource ${text} NOT NULL, record_id ${text}, payload ${text} NOT NULL, created_at ${text} NOT NULL, ` +
      `attempts ${int} NOT NULL DEFAULT 0, next_attempt_at ${text} NOT NULL, last_error ${text}, status ${text} NOT NULL DEFAULT 'pending')`,
  );
}

export interface StoredResource {
  definition: ResourceDef;
  version: number;
  yaml: string;
  warnings: string[];
  updatedAt: string;
}

export async function loadResources(tx: TransactionContext): Promise<Map<string, StoredResource>> {
  const rows = await tx.all(`SELECT name, version, definition, yaml, warnings, updated_at FROM ${RESOURCES_TABLE} ORDER BY name`);
  const out = new Map<string, StoredResource>();
  for (const row of rows) {
    out.set(String(row.name), {
      definition: JSON.parse(String(row.definition)) as ResourceDef,
      version: Number(row.version),
      yaml: String(row.yaml),
      warnings: JSON.parse(String(row.warnings)) as string[],
      updatedAt: String(row.updated_at),
    });
  }
  return out;
}

export async function saveResource(tx: TransactionContext, stored: StoredResource): Promise<void> {
  const name = stored.definition.name;
  await tx.run(`DELETE FROM ${RESOURCES_TABLE} WHERE name = ?`, [name]);
  await tx.run(`INSERT INTO ${RESOURCES_TABLE} (name, version, definition, yaml, warnings, updated_at) VALUES (?, ?, ?, ?, ?, ?)`, [
    name,
    stored.version,
    JSON.stringify(stored.definition),
    stored.yaml,
    JSON.stringify(stored.warnings),
    stored.updatedAt,
  ]);
}

export async function deleteResourceRow(tx: TransactionContext, name: string): Promise<void> {
  await tx.run(`DELETE FROM ${RESOURCES_TABLE} WHERE name = ?`, [name]);
}

export interface VersionRecord {
  resource: string;
  version: number;
  action: 'applied' | 'removed';
  yaml: string | null;
  definition: ResourceDef | null;
  plan: unknown;
  warnings: string[];
  appliedAt: string;
  appliedBy: string;
}

export async function recordVersion(tx: TransactionContext, entry: VersionRecord): Promise<void> {
  await tx.run(
    `INSERT INTO ${VERSIONS_TABLE} (resource, version, action, yaml, definition, plan, warnings, applied_at, applied_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      entry.resource,
      entry.version,
      entry.action,
      entry.yaml,
      entry.definition === null ? null : JSON.stringify(entry.definition),
      JSON.stringify(entry.plan),
      JSON.stringify(entry.warnings),
      entry.appliedAt,
      entry.appliedBy,
    ],
  );
}

export interface VersionSummary {
  id: number;
  version: number;
  action: string;
  yaml: string | null;
  plan: unknown;
  warnings: string[];
  applied_at: string;
  applied_by: string;
}

export async function listVersions(tx: TransactionContext, resource?: string): Promise<Map<string, VersionSummary[]>> {
  const rows = await tx.all(
    `SELECT id, resource, version, action, yaml, plan, warnings, applied_at, applied_by FROM ${VERSIONS_TABLE}` +
      (resource === undefined ? '' : ' WHERE resource = ?') +
      ' ORDER BY resource, id',
    resource === undefined ? [] : [resource],
  );
  const out = new Map<string, VersionSummary[]>();
  for (const row of rows) {
    const list = out.get(String(row.resource)) ?? [];
    list.push({
      id: Number(row.id),
      version: Number(row.version),
      action: String(row.action),
      yaml: row.yaml === null ? null : String(row.yaml),
      plan: JSON.parse(String(row.plan)) as unknown,
      warnings: JSON.parse(String(row.warnings)) as string[],
      applied_at: String(row.applied_at),
      applied_by: String(row.applied_by),
    });
    out.set(String(row.resource), list);
  }
  return out;
}

/** The last version number a resource had, removed or not, so that a resource created again continues its history. */
export async function lastVersion(tx: TransactionContext, resource: string): Promise<number> {
  const rows = await tx.all(`SELECT max(version) AS v FROM ${VERSIONS_TABLE} WHERE resource = ?`, [resource]);
  return Number(rows[0]?.v ?? 0);
}

/* ------------------------------------------------------------------ outbox */

export interface OutboxEntry {
  id: number;
  hook: string;
  event: string;
  resource: string;
  record_id: string | null;
  payload: unknown;
  created_at: string;
  attempts: number;
}

export async function enqueue(
  tx: TransactionContext,
  entry: { hook: string; event: string; resource: string; recordId: string | null; payload: unknown; now: string },
): Promise<void> {
  await tx.run(
    `INSERT INTO ${OUTBOX_TABLE} (hook, event, resource, record_id, payload, created_at, attempts, next_attempt_at, status) VALUES (?, ?, ?, ?, ?, ?, 0, ?, 'pending')`,
    [entry.hook, entry.event, entry.resource, entry.recordId, JSON.stringify(entry.payload), entry.now, entry.now],
  );
}

export async function dueDeliveries(tx: TransactionContext, now: string, limit: number): Promise<OutboxEntry[]> {
  const rows = await tx.all(
    `SELECT id, hook, event, resource, record_id, payload, created_at, attempts FROM ${OUTBOX_TABLE} ` +
      `WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ${Math.max(1, Math.min(limit, 1000))}`,
    [now],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    hook: String(row.hook),
    event: String(row.event),
    resource: String(row.resource),
    record_id: row.record_id === null ? null : String(row.record_id),
    payload: JSON.parse(String(row.payload)) as unknown,
    created_at: String(row.created_at),
    attempts: Number(row.attempts),
  }));
}

export async function outboxCounts(tx: TransactionContext): Promise<{ pending: number; dead: number }> {
  const rows = await tx.all(`SELECT status, count(*) AS n FROM ${OUTBOX_TABLE} GROUP BY status`);
  const counts = { pending: 0, dead: 0 };
  for (const row of rows) {
    if (row.status === 'pending') counts.pending = Number(row.n);
    if (row.status === 'dead') counts.dead = Number(row.n);
  }
  return counts;
}
