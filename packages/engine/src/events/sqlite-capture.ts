import type Database from 'better-sqlite3';
import { quoteIdentifier as q } from '@dbforge/contracts';
import { EVENTS_TABLE } from './schema.js';
import type { CaptureConfig, ChangeContext, ColumnMode, TablePolicy } from './types.js';

/**
 * Change capture for SQLite: AFTER INSERT/UPDATE/DELETE triggers on every user table write the row before and after
 * into the event log, in the statement's own transaction, so raw SQL is recorded like every other path and a
 * rolled-back write leaves nothing. The request's context (actor, request id, source) reaches the triggers through
 * SQL functions registered on the connection. The triggers are kept in step with the schema: the adapter watches
 * `PRAGMA schema_version` around the statements it runs and calls `sync()` when it moved.
 *
 * Writes the resource engine makes itself are recorded by the engine (it knows the API's view of a record); the
 * triggers skip them (`dbforge_capture()` is 0 meanwhile).
 */

const TRIGGER_PREFIX = '_dbforge_ev_';
const MAX_SAFE = '9007199254740991';
/** json_object takes at most 127 arguments by default: wide rows are built in chunks. */
const CHUNK = 60;

const DEFAULT_CONTEXT: ChangeContext = { actor: { id: 'admin', roles: ['admin'] }, source: 'sql' };

/**
 * SQLite's own tables and DB-Forge's: not captured. (Other reserved prefixes, `pg_` and `duckdb_`, mean nothing to
 * SQLite: a user's table may carry them, and its writes are recorded like any other's.)
 */
function isEngineTable(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('sqlite_') || lower.startsWith('_dbforge_');
}

interface TableInfo {
  name: string;
  rootpage: number;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function jsonPath(column: string): string {
  return literal(`$."${column.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`);
}

function valueExpr(ref: string, column: string, mode: ColumnMode, context: string): string {
  const x = `${ref}.${q(column)}`;
  switch (mode) {
    case 'bool':
      return `CASE WHEN ${x} IS NULL THEN NULL WHEN ${x} THEN json('true') ELSE json('false') END`;
    case 'json':
      return `CASE WHEN json_valid(${x}) THEN json(${x}) ELSE ${x} END`;
    case 'seal':
      return `dbforge_seal(${x}, ${literal(context)})`;
    default:
      // JSON holds no blobs and no integers beyond 2^53: base64 and text keep them exact.
      return (
        `CASE WHEN typeof(${x}) = 'blob' THEN dbforge_b64(${x}) ` +
        `WHEN typeof(${x}) = 'integer' AND (${x} > ${MAX_SAFE} OR ${x} < -${MAX_SAFE}) THEN CAST(${x} AS TEXT) ELSE ${x} END`
      );
  }
}

/** `json_object(...)` of a row, chunked with json_insert for tables wider than one call allows. */
export function rowJson(ref: string, columns: string[], policy: TablePolicy | undefined): string {
  const pairs = columns.map((c) => ({ c, v: valueExpr(ref, c, policy?.columns.get(c) ?? 'plain', `${policy?.resource ?? ''}.${c}`) }));
  let expr = `json_object(${pairs
    .slice(0, CHUNK)
    .map((p) => `${literal(p.c)}, ${p.v}`)
    .join(', ')})`;
  for (let i = CHUNK; i < pairs.length; i += CHUNK) {
    expr = `json_insert(${expr}, ${pairs
      .slice(i, i + CHUNK)
      .map((p) => `${jsonPath(p.c)}, ${p.v}`)
      .join(', ')})`;
  }
  return expr;
}

function keyExpr(ref: string, pk: string[]): string {
  if (pk.length === 0) return `CAST(${ref}.rowid AS TEXT)`;
  if (pk.length === 1) return `CAST(${ref}.${q(pk[0]!)} AS TEXT)`;
  return `json_array(${pk.map((c) => `${ref}.${q(c)}`).join(', ')})`;
}

const CONTEXT_VALUES = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), dbforge_actor_id(), dbforge_actor_roles(), dbforge_request_id(), dbforge_source()";
const INSERT_HEAD = `INSERT INTO ${EVENTS_TABLE} (committed_at, actor_id, actor_roles, request_id, source, op, resource, tbl, record_id, before, after, reverts)`;

export class SqliteCapture {
  private context: ChangeContext = DEFAULT_CONTEXT;
  /** False while the resource engine writes: it records those events itself. */
  private triggersOn = true;
  private config: CaptureConfig | undefined;
  private version = -1;
  private known = new Map<string, number>();
  private synced = false;
  /** Capture of the database as a whole (a database setting); off drops every trigger. */
  enabled = true;
  private readonly schemaVersion: Database.Statement<[], number>;

  constructor(private readonly db: Database.Database) {
    const text = (value: string | undefined | null) => value ?? null;
    db.function('dbforge_capture', { deterministic: false }, () => (this.triggersOn ? 1 : 0));
    db.function('dbforge_actor_id', { deterministic: false }, () => this.context.actor.id);
    db.function('dbforge_actor_roles', { deterministic: false }, () => JSON.stringify(this.context.actor.roles));
    db.function('dbforge_request_id', { deterministic: false }, () => text(this.context.requestId));
    db.function('dbforge_source', { deterministic: false }, () => this.context.source);
    db.function('dbforge_reverts', { deterministic: false }, () => this.context.reverts ?? null);
    db.function('dbforge_b64', { deterministic: true }, (value: unknown) =>
      Buffer.isBuffer(value) ? value.toString('base64') : (value as string | number | null),
    );
    db.function('dbforge_seal', { deterministic: false }, (value: unknown, context: unknown) => {
      if (value === null || value === undefined) return null;
      const seal = this.config?.seal;
      // Never in clear: without the field key the value is not kept at all.
      return seal ? seal(Buffer.isBuffer(value) ? value.toString('base64') : String(value), String(context)) : '[masked]';
    });
    this.schemaVersion = db.prepare('PRAGMA schema_version').pluck() as Database.Statement<[], number>;
  }

  configure(config: CaptureConfig): void {
    this.config = config;
    this.synced = false;
  }

  /** Runs `work` with the context of a request; `triggers: false` while the engine records its own events. */
  withContext<T>(context: ChangeContext | undefined, triggers: boolean, work: () => T): T {
    const previous = this.context;
    const previousTriggers = this.triggersOn;
    this.context = context ?? DEFAULT_CONTEXT;
    this.triggersOn = triggers;
    try {
      return work();
    } finally {
      this.context = previous;
      this.triggersOn = previousTriggers;
    }
  }

  /** Sets the context for an asynchronous transaction (nothing else runs on the connection meanwhile). */
  enter(context: ChangeContext | undefined, triggers: boolean): () => void {
    const previous = this.context;
    const previousTriggers = this.triggersOn;
    this.context = context ?? DEFAULT_CONTEXT;
    this.triggersOn = triggers;
    return () => {
      this.context = previous;
      this.triggersOn = previousTriggers;
    };
  }

  /** Forgets what was synced: after a rollback that may have undone triggers made inside it, the next write resyncs. */
  invalidate(): void {
    this.synced = false;
    this.version = -1;
  }

  /** Syncs the triggers once before the first write (the resource engine configures first when it runs). */
  ensureReady(): void {
    if (!this.synced) this.runSync(false);
  }

  /** Whether the schema changed since the triggers were last made. Cheap: the schema cookie of the file header. */
  schemaChanged(): boolean {
    return this.schemaVersion.get() !== this.version;
  }

  /**
   * Brings the triggers in step with the tables, in the caller's transaction when one is open. With `backfill`, a
   * table that did not exist before (not even under another name) and already holds rows, such as one made by
   * `CREATE TABLE ... AS SELECT`, gets a `create` event per row: those rows were written by the statement that made it.
   */
  sync(backfill: boolean): void {
    if (this.db.inTransaction) this.runSync(backfill);
    else this.db.transaction(() => this.runSync(backfill)).immediate();
  }

  /**
   * The tables to capture: every ordinary table but SQLite's own and DB-Forge's. Read with PRAGMA statements, never the
   * `pragma_*` table functions, which a table of the same name would hide (and with them, every table from capture).
   */
  private tables(): TableInfo[] {
    // table_list tells shadow tables of virtual tables (FTS5 internals) apart; they are written by the engine.
    const listed = this.db.pragma('main.table_list') as { name: string; type: string }[];
    const plain = new Set(listed.filter((t) => t.type === 'table').map((t) => t.name));
    const rows = this.db.prepare("SELECT name, rootpage FROM main.sqlite_schema WHERE type = 'table'").all() as TableInfo[];
    return rows.filter((t) => plain.has(t.name) && !isEngineTable(t.name));
  }

  private columns(table: string): { names: string[]; pk: string[] } {
    const info = this.db.pragma(`main.table_info(${q(table)})`) as { name: string; pk: number; cid: number }[];
    info.sort((a, b) => a.cid - b.cid);
    const pk = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    return { names: info.map((c) => c.name), pk };
  }

  /**
   * `ALTER TABLE ... DROP COLUMN` fails while a trigger names the column, and every capture trigger names every column.
   * Given that failure, drops the table's capture triggers (in the caller's transaction) and answers true: the statement
   * can then run, and the triggers are made again for the new columns when the schema change is seen. False for any
   * other error.
   */
  releaseDroppedColumn(error: unknown): boolean {
    const match = error instanceof Error ? /^error in trigger (\S+) after drop column:/.exec(error.message) : null;
    if (match === null || !match[1]!.startsWith(TRIGGER_PREFIX)) return false;
    const owner = this.db.prepare("SELECT tbl_name FROM main.sqlite_schema WHERE type = 'trigger' AND name = ?").pluck().get(match[1]) as string | undefined;
    if (owner === undefined) return false;
    for (const suffix of ['ins', 'upd', 'del']) this.db.prepare(`DROP TRIGGER IF EXISTS ${q(`${TRIGGER_PREFIX}${owner}_${suffix}`)}`).run();
    return true;
  }

  /** Whether writes to this table are captured (an ordinary table of the user's, the log on). */
  captures(table: string): boolean {
    return this.enabled && !isEngineTable(table) && this.config?.policy(table) === undefined;
  }

  /** The name of a table's insert trigger. */
  insertTrigger(table: string): string {
    return `${TRIGGER_PREFIX}${table}_ins`;
  }

  /** Whether a trigger is one of the capture's. */
  isCaptureTrigger(name: string): boolean {
    return name.startsWith(TRIGGER_PREFIX);
  }

  /** The JSON image of a row of `table` named `ref` in a query, as the triggers write it. */
  rowImage(table: string, ref: string): string {
    return rowJson(ref, this.columns(table).names, this.config?.policy(table));
  }

  /** The schema changed only by a trigger dropped and made again as it was: the triggers are still in step. */
  noteSchema(): void {
    if (this.synced) this.version = this.schemaVersion.get()!;
  }

  /** The three triggers of a table, by name. */
  triggersFor(table: string): Map<string, string> {
    const { names, pk } = this.columns(table);
    const policy = this.config?.policy(table);
    const resource = policy ? literal(policy.resource) : 'NULL';
    const t = q(table);
    const tl = literal(table);
    const out = new Map<string, string>();
    const head = (suffix: string, event: string, when: string) =>
      `CREATE TRIGGER ${q(`${TRIGGER_PREFIX}${table}_${suffix}`)} AFTER ${event} ON ${t} FOR EACH ROW WHEN ${when} BEGIN ${INSERT_HEAD} VALUES (${CONTEXT_VALUES}, `;
    out.set(
      `${TRIGGER_PREFIX}${table}_ins`,
      `${head('ins', 'INSERT', 'dbforge_capture()')}'create', ${resource}, ${tl}, ${keyExpr('NEW', pk)}, NULL, ${rowJson('NEW', names, policy)}, dbforge_reverts()); END`,
    );
    // An UPDATE that changes nothing is no change. Compared byte for byte and by storage class: a column's collation
    // (NOCASE) or numeric comparison (1 = 1.0) would otherwise hide a real change.
    const changed =
      names.length === 0
        ? '1'
        : names.map((c) => `OLD.${q(c)} IS NOT NEW.${q(c)} COLLATE BINARY OR typeof(OLD.${q(c)}) IS NOT typeof(NEW.${q(c)})`).join(' OR ');
    out.set(
      `${TRIGGER_PREFIX}${table}_upd`,
      `${head('upd', 'UPDATE', `dbforge_capture() AND (${changed})`)}'update', ${resource}, ${tl}, ${keyExpr('NEW', pk)}, ${rowJson('OLD', names, policy)}, ${rowJson('NEW', names, policy)}, dbforge_reverts()); END`,
    );
    out.set(
      `${TRIGGER_PREFIX}${table}_del`,
      `${head('del', 'DELETE', 'dbforge_capture()')}'delete', ${resource}, ${tl}, ${keyExpr('OLD', pk)}, ${rowJson('OLD', names, policy)}, NULL, dbforge_reverts()); END`,
    );
    return out;
  }

  private runSync(backfill: boolean): void {
    const tables = this.tables();
    const desired = new Map<string, string>();
    if (this.enabled) for (const table of tables) for (const [name, sql] of this.triggersFor(table.name)) desired.set(name, sql);
    const existing = this.db
      .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND substr(name, 1, 12) = ?")
      .all(TRIGGER_PREFIX) as { name: string; sql: string }[];
    const have = new Map(existing.map((t) => [t.name, t.sql]));
    for (const [name, sql] of have) {
      if (desired.get(name) !== sql) this.db.prepare(`DROP TRIGGER IF EXISTS ${q(name)}`).run();
    }
    for (const [name, sql] of desired) {
      if (have.get(name) !== sql) this.db.prepare(sql).run();
    }
    if (backfill && this.enabled && this.synced) {
      const pages = new Set(this.known.values());
      for (const table of tables) {
        if (this.known.has(table.name) || pages.has(table.rootpage)) continue;
        this.backfill(table.name);
      }
    }
    this.known = new Map(tables.map((t) => [t.name, t.rootpage]));
    this.version = this.schemaVersion.get()!;
    this.synced = true;
  }

  /** `create` events for every row of a table that a statement created with its rows. */
  private backfill(table: string): void {
    const { names, pk } = this.columns(table);
    const policy = this.config?.policy(table);
    const sql =
      `${INSERT_HEAD} SELECT ${CONTEXT_VALUES}, 'create', ${policy ? literal(policy.resource) : 'NULL'}, ${literal(table)}, ` +
      `${keyExpr('r', pk)}, NULL, ${rowJson('r', names, policy)}, dbforge_reverts() FROM ${q(table)} AS r ORDER BY r.rowid`;
    try {
      this.db.prepare(sql).run();
    } catch {
      // WITHOUT ROWID tables have no rowid to order by: their key order will do.
      this.db.prepare(sql.replace(/ ORDER BY r\.rowid$/, '')).run();
    }
  }
}
