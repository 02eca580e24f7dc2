import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DbForgeError, Defaults, ENGINE_CAPABILITIES, Errors, isReservedTableName, quoteIdentifier } from '@dbforge/contracts';
import type { ColumnDefinition, SqlParams, TableColumn, TableDetail, TableSummary } from '@dbforge/contracts';
import { assertSqliteSessionStatement, assertStatementAllowed, leadingWords } from './sql-guard.js';
import { SqliteCapture } from './events/sqlite-capture.js';
import { BULK_IDLE_MS, BULK_STEP_EVENTS, BulkInserts } from './events/bulk-inserts.js';
import { eventLogDdl } from './events/schema.js';
import { namesReservedObject, reservedWriteRefused } from './events/reserved-writes.js';
import type { CaptureConfig, ChangeContext } from './events/types.js';
import { buildCreateTable } from './column-types.js';
import { prepareInsert, prepareSelect, tableNotFound } from './table-ops.js';
import { jsonInteger, jsonSafeRow, normaliseParams, type BindValue } from './values.js';
import { batchError, combineResults, ParamSetFailure, prepareStatement, type Bound } from './batch.js';
import { readOnlyRefusal } from './read-only.js';
import type {
  DatabaseAdapter,
  ExecuteOptions,
  TransactionContext,
  TxValue,
  ExecResult,
  OpenOptions,
  ResultColumn,
  ResultLimits,
  RowsResult,
  SelectRowsOptions,
  Statement,
  StatementResult,
  TransactionOptions,
} from './types.js';

export const SQLITE_FILE = 'data.sqlite';
const STATEMENT_CACHE_SIZE = 256;

type Stmt = Database.Statement<unknown[], Record<string, unknown>>;

/** What the adapter needs to know about a statement's text before running it for a request, computed once per text. */
interface StatementMeta {
  /** It names a `_dbforge_` object (refused when it writes). */
  reserved: boolean;
  /** It can change the schema (anything but plain DML): the triggers are checked after it. */
  ddl: boolean;
  /** It can't run inside a transaction (VACUUM) or must not (PRAGMA settings of the connection). */
  standalone: boolean;
  /**
   * Pending bulk events are written out before it runs: it may change the schema (`ddl`), names the event log or
   * `sqlite_sequence` (where the log's next id is kept), or may replace rows (`OR REPLACE`, `REPLACE INTO`: SQLite
   * removes a replaced row without its delete trigger; the word anywhere counts, the replace() function included).
   */
  settlesBulk: boolean;
}

const SETTLES_BULK = /_dbforge_events|sqlite_sequence|replace/i;

const DML = new Set(['INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'WITH', 'SELECT', 'VALUES']);

/**
 * Statement text that must not share a group's transaction: `OR ROLLBACK` and `RAISE(ROLLBACK)` undo the whole
 * transaction (every other write of the group with it), and a PRAGMA inside a batch (`defer_foreign_keys`) would change
 * the rules for the writes after it.
 */
const UNGROUPABLE_SQL = /rollback|pragma/i;
/** A schema with deferred constraints (checked only at COMMIT) or triggers that roll back can't share a commit either. */
const UNGROUPABLE_SCHEMA = "SELECT 1 FROM sqlite_schema WHERE sql LIKE '%DEFERRABLE%' OR sql LIKE '%ROLLBACK%' LIMIT 1";
const UNIT = 'dbforge_write';

/** A write that ran inside the open group: it is answered once the group's COMMIT is durable, or fails with it. */
interface GroupMember {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Writes sharing one transaction and one durable commit (see `SqliteAdapter`). */
interface Group {
  members: GroupMember[];
  wrote: boolean;
}

function statementMeta(sql: string): StatementMeta {
  let words = leadingWords(sql, 3);
  if (words[0] === 'EXPLAIN') words = words[1] === 'QUERY' ? words.slice(3) : words.slice(1);
  const first = words[0] ?? '';
  const ddl = !DML.has(first);
  return { reserved: namesReservedObject(sql), ddl, standalone: first === 'VACUUM' || first === 'PRAGMA', settlesBulk: ddl || SETTLES_BULK.test(sql) };
}

/** A write's result: rows changed, and the last insert's rowid (text beyond 2^53). */
function execResult(changes: number, rowid: number | bigint): ExecResult {
  return { kind: 'exec', rowsAffected: changes, lastInsertRowid: typeof rowid === 'number' ? rowid : jsonInteger(rowid) };
}

const ROWS_CONTEXT: ChangeContext = { actor: { id: 'admin', roles: ['admin'] }, source: 'rows' };

/** better-sqlite3 raises these for misuse of parameters; they are the caller's SQL mistakes, not ours. */
function isBindingError(error: unknown): error is Error {
  return error instanceof RangeError || error instanceof TypeError;
}

/** Maps an engine failure to the error catalogue. The engine's message is shown: it is about the caller's SQL. */
export function mapSqliteError(error: unknown): DbForgeError {
  if (error instanceof DbForgeError) return error;
  if (error instanceof Database.SqliteError) {
    const code = error.code;
    if (
      code.startsWith('SQLITE_IOERR') ||
      code.startsWith('SQLITE_CORRUPT') ||
      code.startsWith('SQLITE_CANTOPEN') ||
      code === 'SQLITE_NOMEM' ||
      code === 'SQLITE_INTERNAL'
    ) {
      return Errors.internal(error);
    }
    if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_LOCKED')) {
      return new DbForgeError('WORKER_UNAVAILABLE', 'The database is busy; retry the request.', { cause: error });
    }
    if (code === 'SQLITE_FULL') {
      return new DbForgeError('SQL_ERROR', 'SQL Error: the database or disk is full.', {
        details: { engine_code: code },
      });
    }
    if (code === 'SQLITE_AUTH' || error.message === 'not authorized') {
      return new DbForgeError('FORBIDDEN', `SQL Error: ${error.message}: the statement uses a feature DB-Forge does not allow.`);
    }
    return Errors.sql(error.message, { engine_code: code });
  }
  if (isBindingError(error)) {
    const hint = /more than one statement/.test(error.message)
      ? ' Send one statement per query, or a list of statements to /batch.'
      : '';
    return Errors.sql(`${error.message}.${hint}`.replace('..', '.'));
  }
  return Errors.internal(error);
}

function sqliteValues(params: TxValue[]): (string | number | bigint | Buffer | null)[] {
  return params.map((value) => (typeof value === 'boolean' ? (value ? 1 : 0) : value));
}

/** Inside an engine-built transaction a constraint failure is a conflict with stored data, not a SQL mistake. */
function mapTransactionError(error: unknown): DbForgeError {
  if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT')) {
    return new DbForgeError('CONFLICT', `The write conflicts with stored data: ${error.message}.`, {
      details: { engine_code: error.code },
    });
  }
  return mapSqliteError(error);
}

function inferType(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return Number.isInteger(value) ? 'INTEGER' : 'REAL';
  if (typeof value === 'bigint') return 'INTEGER';
  if (typeof value === 'string') return 'TEXT';
  return 'BLOB';
}

/**
 * SQLite through better-sqlite3, with group commit: writes that arrive while a group is open (in practice, those
 * handled in the same turn of the event loop) run one after the other inside one transaction, each in its own
 * SAVEPOINT, so that a write that fails rolls back only its own work; the group commits once (one fsync) right after
 * the turn, and only then are its writes answered. A failed COMMIT fails every write of the group: none of them was
 * acknowledged, so nothing acknowledged is lost. Writes that could undo or fail their neighbours (see
 * `UNGROUPABLE_SQL`, `UNGROUPABLE_SCHEMA`) and statements that can't run in a transaction run alone, after the open
 * group has committed. Reads outside a transaction commit the open group first, so they only ever see committed data.
 */
export class SqliteAdapter implements DatabaseAdapter {
  readonly engine = 'sqlite' as const;
  readonly capabilities = ENGINE_CAPABILITIES.sqlite;
  private readonly db: Database.Database;
  private readonly file: string;
  private readonly limits: ResultLimits;
  private readonly cache = new Map<string, Stmt>();
  private readonly metas = new Map<string, StatementMeta>();
  private readonly capture: SqliteCapture;
  private readonly bulk: BulkInserts;
  /**
   * Bulk events may be pending: set when a bulk insert runs (or some were found at open), cleared only when none are
   * found outside a transaction (a rollback can't bring them back then). Spares every other statement the check, and
   * while it is set, a commit plans the write-out for when the database is idle.
   */
  private mayBePending = false;
  private catchUp: NodeJS.Timeout | undefined;
  private readonly onBackgroundError: ((error: unknown) => void) | undefined;
  private lastWriteAt = 0;
  private readonly listeners: (() => void)[] = [];
  private quotaBytes: number | null = null;
  /**
   * Set while a transaction of `transaction()` is open. Its work awaits between statements, and the connection is
   * shared: every other call waits for it, so nothing lands inside another request's transaction.
   */
  private txOpen: Promise<void> | null = null;
  /** The open group (its transaction is open on the connection), if any. */
  private group: Group | null = null;
  private commitScheduled = false;
  /** The group's commit came due while a transaction held the connection: it commits when that one is done. */
  private commitDue = false;
  private readonly schemaVersion: Database.Statement<[], number>;
  private groupSafety = { version: -1, safe: true };

  constructor(options: OpenOptions) {
    fs.mkdirSync(options.directory, { recursive: true });
    this.file = path.join(options.directory, SQLITE_FILE);
    this.limits = options.limits;
    this.db = new Database(this.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.sqliteSynchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma('busy_timeout = 5000');
    // Pages fill it only as they are used; better-sqlite3's default (16 MiB) spilled a 100,000-row insert with its events.
    this.db.pragma(`cache_size = ${-Math.max(1, Math.round((options.sqliteCacheMb ?? Defaults.sqliteCacheMb) * 1024))}`);
    this.db.pragma('foreign_keys = ON');
    if (options.maxDatabaseBytes) {
      // SQLite enforces the quota itself: a write that needs a page past the limit fails, and its transaction with it.
      const pageSize = this.db.pragma('page_size', { simple: true }) as number;
      this.db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxDatabaseBytes / pageSize))}`);
      this.quotaBytes = options.maxDatabaseBytes;
    }
    for (const sql of eventLogDdl('sqlite')) this.db.prepare(sql).run();
    this.capture = new SqliteCapture(this.db);
    this.capture.enabled = options.eventLog ?? true;
    this.bulk = new BulkInserts(this.db, this.capture, this.quotaBytes !== null);
    this.onBackgroundError = options.onBackgroundError;
    // Opened without its log (turned off since): the rows are still as the last run left them, every change recorded.
    if (!this.capture.enabled) this.bulk.settle();
    this.mayBePending = this.bulk.pending();
    if (this.mayBePending) this.planCatchUp(BULK_IDLE_MS);
    this.schemaVersion = this.db.prepare('PRAGMA schema_version').pluck() as Database.Statement<[], number>;
  }

  get eventLog(): boolean {
    return this.capture.enabled;
  }

  onCommit(listener: () => void): void {
    this.listeners.push(listener);
  }

  configureCapture(config: CaptureConfig): void {
    this.capture.configure(config);
  }

  /**
   * Writes out the events of bulk inserts before a statement that reads the event log, may change the schema or may
   * replace rows (see events/bulk-inserts.ts), in the open transaction or in one of its own.
   */
  private beforeStatement(sql: string): void {
    if (this.mayBePending && this.meta(sql).settlesBulk) this.settleBulk();
  }

  /** Writes out pending bulk events (in the open transaction, or in one of its own), if any. */
  private settleBulk(): void {
    if (!this.mayBePending) return;
    const outside = !this.db.inTransaction;
    this.bulk.settle();
    if (outside) this.mayBePending = false;
  }

  /** The newest event id, bulk inserts' reserved ids included, without writing their events out. */
  async latestEventId(): Promise<number> {
    while (this.txOpen !== null) await this.txOpen;
    this.settle();
    return this.bulk.latestId();
  }

  private committed(): void {
    this.lastWriteAt = performance.now();
    if (this.mayBePending && this.catchUp === undefined) this.planCatchUp(BULK_IDLE_MS);
    for (const listener of this.listeners) listener();
  }

  /**
   * Writes out pending bulk events while the database is idle (no write for BULK_IDLE_MS), a step at a time, each in a
   * transaction of its own, so that requests in between wait one step at most.
   */
  private planCatchUp(delay: number): void {
    this.catchUp = setTimeout(() => {
      this.catchUp = undefined;
      if (!this.db.open) return;
      const quiet = performance.now() - this.lastWriteAt;
      if (quiet < BULK_IDLE_MS || this.txOpen !== null || this.group !== null) {
        this.planCatchUp(Math.max(10, BULK_IDLE_MS - quiet));
        return;
      }
      let more: boolean;
      try {
        more = this.bulk.step(BULK_STEP_EVENTS);
        if (!more) this.mayBePending = false;
      } catch (error) {
        // A full disk, say: told, and tried again by the next read of the log (which answers why it can't).
        this.onBackgroundError?.(error);
        more = false;
      }
      if (more) this.planCatchUp(0);
    }, delay);
    this.catchUp.unref();
  }

  private meta(sql: string): StatementMeta {
    let meta = this.metas.get(sql);
    if (meta === undefined) {
      meta = statementMeta(sql);
      if (this.metas.size >= STATEMENT_CACHE_SIZE * 4) this.metas.clear();
      this.metas.set(sql, meta);
    }
    return meta;
  }

  /**
   * A statement of a request inside the open transaction: refused when it would write to a `_dbforge_` object, and
   * followed by a trigger sync when it changed the schema (so that a table made by a batch is captured at once).
   */
  private runGuarded(sql: string, bound: BindValue[] | Record<string, BindValue>, readOnly = false): StatementResult {
    const meta = this.writeMeta(sql);
    const result = this.runStatement(sql, bound, readOnly);
    this.afterWrite(meta);
    return result;
  }

  /** What a writing statement is (refused when it writes to a `_dbforge_` object); undefined for a reading one. */
  private writeMeta(sql: string): StatementMeta | undefined {
    const stmt = this.prepare(sql);
    if (stmt.readonly) {
      if (!stmt.reader) assertSqliteSessionStatement(sql);
      return undefined;
    }
    const meta = this.meta(sql);
    if (meta.reserved) throw reservedWriteRefused();
    return meta;
  }

  /** After a statement that changed the schema, the triggers follow it (a table made by a batch is captured at once). */
  private afterWrite(meta: StatementMeta | undefined): void {
    if (meta?.ddl && this.capture.schemaChanged()) this.capture.sync(true);
  }

  /**
   * A statement run once per parameter set (a batch's `param_sets`): checked and prepared once, then run in a tight
   * loop. A failing set throws `ParamSetFailure` with its index.
   */
  private runMany(sql: string, sets: Bound[], readOnly = false): StatementResult {
    const stmt = this.prepare(sql);
    if (readOnly && !stmt.readonly) throw readOnlyRefusal();
    this.beforeStatement(sql);
    const meta = this.writeMeta(sql);
    const target = stmt.reader ? undefined : this.bulk.target(sql, sets.length);
    if (target !== undefined) {
      this.mayBePending = true;
      const out = this.bulk.insert(stmt, sets, target);
      return execResult(out.changes, out.rowid);
    }
    let j = 0;
    let result: StatementResult;
    try {
      if (stmt.reader) {
        const results: StatementResult[] = new Array(sets.length);
        for (; j < sets.length; j++) results[j] = this.readRows(stmt, sets[j]!);
        result = combineResults(results, this.limits.maxResultRows);
      } else {
        let changes = 0;
        let rowid: number | bigint = 0;
        for (; j < sets.length; j++) {
          const info = stmt.run(sets[j]!);
          changes += info.changes;
          rowid = info.lastInsertRowid;
        }
        result = execResult(changes, rowid);
      }
    } catch (error) {
      throw new ParamSetFailure(error, { index: j, total: sets.length });
    }
    this.afterWrite(meta);
    return result;
  }

  private prepare(sql: string): Stmt {
    let stmt = this.cache.get(sql);
    if (stmt !== undefined) return stmt;
    stmt = this.db.prepare(sql) as Stmt;
    if (stmt.reader) stmt.safeIntegers(true);
    if (this.cache.size >= STATEMENT_CACHE_SIZE) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(sql, stmt);
    return stmt;
  }

  /** A statement of a request, once: every path of `execute` and `batch` runs its statements here (or in `runMany`). */
  private runStatement(sql: string, bound: BindValue[] | Record<string, BindValue>, readOnly = false): StatementResult {
    const stmt = this.prepare(sql);
    this.beforeStatement(sql);
    // SQLite itself says whether the statement writes (WITH ... INSERT, PRAGMA assignments and RETURNING included).
    if (readOnly && !stmt.readonly) throw readOnlyRefusal();
    if (stmt.reader) return this.readRows(stmt, bound);
    let info: Database.RunResult;
    try {
      info = stmt.run(bound);
    } catch (error) {
      // ALTER TABLE ... DROP COLUMN, refused by SQLite while the capture's triggers name the column: they go, the
      // statement runs, and the schema change makes them again for the columns left (all in this transaction).
      if (!this.db.inTransaction || !this.capture.releaseDroppedColumn(error)) throw error;
      info = stmt.run(bound);
    }
    return execResult(info.changes, info.lastInsertRowid);
  }

  private readRows(stmt: Stmt, bound: BindValue[] | Record<string, BindValue>): RowsResult {
    const { maxResultRows, maxResultBytes } = this.limits;
    const rows: Record<string, unknown>[] = [];
    let bytes = 2;
    let truncated = false;
    let firstTypes: Record<string, string> | undefined;
    for (const row of stmt.iterate(bound)) {
      // Expressions have no declared type: the first row's values tell, before they are made JSON-safe.
      if (firstTypes === undefined) {
        firstTypes = {};
        for (const key in row) firstTypes[key] = inferType(row[key]);
      }
      if (rows.length >= maxResultRows) {
        truncated = true;
        break;
      }
      bytes += jsonSafeRow(row) + 1;
      if (bytes > maxResultBytes) {
        truncated = true;
        break;
      }
      rows.push(row);
    }
    const columns: ResultColumn[] = stmt.columns().map((column) => ({
      name: column.name,
      type: column.type ?? firstTypes?.[column.name] ?? 'NULL',
    }));
    return { kind: 'rows', rows, columns, truncated };
  }

  /** A statement that left a transaction open would hold the write lock for every later request: undo it. */
  private closeStrayTransaction(): void {
    if (this.db.inTransaction) this.db.prepare('ROLLBACK').run();
  }

  /* ------------------------------------------------------------------ group commit */

  /** Whether writes of these statements may share the open group's transaction (see `UNGROUPABLE_SQL`). */
  private groupable(statements: readonly { sql: string }[]): boolean {
    const version = this.schemaVersion.get()!;
    if (version !== this.groupSafety.version) {
      this.groupSafety = { version, safe: this.db.prepare(UNGROUPABLE_SCHEMA).get() === undefined };
    }
    if (!this.groupSafety.safe) return false;
    let last: string | undefined;
    for (const { sql } of statements) {
      if (sql === last) continue; // a batch repeats one statement: checked once
      if (UNGROUPABLE_SQL.test(sql)) return false;
      last = sql;
    }
    return true;
  }

  /** The open group, or a new one: its transaction begins now and commits after the current turn of the event loop. */
  private openGroup(): Group {
    if (this.group !== null) return this.group;
    this.prepare('BEGIN IMMEDIATE').run();
    const group: Group = { members: [], wrote: false };
    this.group = group;
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      // setImmediate runs after the I/O of this turn: every request read in it joins the group.
      setImmediate(() => {
        this.commitScheduled = false;
        if (this.txOpen !== null) this.commitDue = true;
        else this.commitGroup();
      });
    }
    return group;
  }

  /** Commits the open group (one fsync), then answers its writes; a failed COMMIT fails all of them. */
  private commitGroup(): void {
    const group = this.group;
    if (group === null) return;
    this.group = null;
    try {
      this.prepare('COMMIT').run();
    } catch (error) {
      this.closeStrayTransaction();
      this.capture.invalidate();
      const failure = this.mapError(error);
      for (const member of group.members) member.reject(failure);
      return;
    }
    for (const member of group.members) member.resolve();
    if (group.wrote) this.committed();
  }

  /**
   * Runs one write inside the open group, in its own savepoint. Its failure rolls back its own work and is thrown at
   * once; its success is answered when the group has committed.
   */
  private joinGroup<T>(work: () => T): Promise<T> {
    const group = this.openGroup();
    const alone = this.beginUnit(group);
    let value: T;
    try {
      value = work();
      this.endUnit(alone);
    } catch (error) {
      this.failUnit(group, alone);
      throw error;
    }
    group.wrote = true;
    return new Promise<T>((resolve, reject) => group.members.push({ resolve: () => resolve(value), reject }));
  }

  /**
   * Starts one write's unit in the open group: its own savepoint, so that its failure undoes its work only. The first
   * write of a group has no neighbour to protect: it runs without one (answers true), and its failure rolls the whole,
   * still empty, transaction back. Inside a savepoint SQLite keeps a statement journal for every statement that fires
   * triggers, in a temporary file: that doubled the cost of a bulk insert with the event log on.
   */
  private beginUnit(group: Group): boolean {
    const alone = group.members.length === 0;
    if (!alone) this.prepare(`SAVEPOINT ${UNIT}`).run();
    return alone;
  }

  private endUnit(alone: boolean): void {
    if (!alone) this.prepare(`RELEASE ${UNIT}`).run();
  }

  private failUnit(group: Group, alone: boolean): void {
    if (alone) this.abandonGroup(group);
    else this.undoUnit(group);
  }

  /** Rolls back a group whose first write failed: nothing else was in its transaction. */
  private abandonGroup(group: Group): void {
    if (this.group === group) this.group = null;
    this.closeStrayTransaction();
    this.capture.invalidate();
  }

  /** Rolls back the failed write of a group, or, when SQLite has rolled the whole transaction back, fails the group. */
  private undoUnit(group: Group): void {
    try {
      if (this.db.inTransaction) {
        this.prepare(`ROLLBACK TO ${UNIT}`).run();
        this.prepare(`RELEASE ${UNIT}`).run();
        if (this.capture.schemaChanged()) this.capture.invalidate();
        return;
      }
    } catch {
      this.closeStrayTransaction();
    }
    // A full disk or an I/O error can end the transaction: the group's other writes are gone (none was answered yet).
    if (this.group === group) this.group = null;
    this.capture.invalidate();
    const failure = new DbForgeError('WORKER_UNAVAILABLE', 'The write was rolled back with others of its transaction group; retry the request.');
    for (const member of group.members) member.reject(failure);
    group.members.length = 0;
  }

  /** Commits the open group now: before a read outside a transaction (it sees committed data only) or a solo write. */
  private settle(): void {
    if (this.group !== null) this.commitGroup();
  }

  /** A full database is the quota when there is one (the disk can be full too, but the quota is hit first). */
  private mapError(error: unknown): DbForgeError {
    if (this.quotaBytes !== null && error instanceof Database.SqliteError && error.code === 'SQLITE_FULL') {
      return new DbForgeError('QUOTA_EXCEEDED', `The database has reached its size limit of ${this.quotaBytes} bytes (its tenant's quota); the write was not applied.`);
    }
    return mapSqliteError(error);
  }

  async execute(sql: string, params?: SqlParams, options: ExecuteOptions = {}): Promise<StatementResult> {
    while (this.txOpen !== null) await this.txOpen;
    assertStatementAllowed(sql, 'sqlite');
    const bound = normaliseParams(params);
    let wrote = false;
    let grouped = false;
    try {
      const stmt = this.prepare(sql);
      if (stmt.readonly && !stmt.reader) assertSqliteSessionStatement(sql);
      if (stmt.readonly || options.readOnly) {
        this.settle();
        return this.runStatement(sql, bound, options.readOnly);
      }
      const meta = this.meta(sql);
      if (meta.reserved) throw reservedWriteRefused();
      if (!meta.standalone && this.groupable([{ sql }])) {
        grouped = true;
        this.capture.ensureReady();
        const pending = this.joinGroup(() =>
          this.capture.withContext(options.context, true, () => {
            const out = this.runStatement(sql, bound);
            if (meta.ddl && this.capture.schemaChanged()) this.capture.sync(true);
            return out;
          }),
        );
        return await pending;
      }
      this.settle();
      this.capture.ensureReady();
      const result = this.capture.withContext(options.context, true, () => {
        if (meta.standalone) {
          const out = this.runStatement(sql, bound);
          if (this.capture.schemaChanged()) this.capture.sync(false);
          return out;
        }
        // A write is its own transaction, so that its events (and the triggers of a table it creates) commit with it.
        return this.db.transaction(() => {
          const out = this.runStatement(sql, bound);
          if (meta.ddl && this.capture.schemaChanged()) this.capture.sync(true);
          return out;
        })();
      });
      wrote = true;
      return result;
    } catch (error) {
      throw this.mapError(error);
    } finally {
      // A transaction left open by this write alone; never the open group's (a statement that failed to prepare, say).
      if (!grouped && this.group === null) this.closeStrayTransaction();
      if (wrote) this.committed();
    }
  }

  async batch(statements: Statement[], options: ExecuteOptions = {}): Promise<StatementResult[]> {
    while (this.txOpen !== null) await this.txOpen;
    let index = 0;
    const prepared = statements.map((statement, i) => {
      index = i;
      try {
        assertStatementAllowed(statement.sql, 'sqlite');
        return prepareStatement(statement, i);
      } catch (error) {
        throw batchError(mapSqliteError(error), i, statements.length, statement.sql);
      }
    });
    const runAll = () => {
      const results: StatementResult[] = new Array(prepared.length);
      for (let i = 0; i < prepared.length; i++) {
        index = i;
        const statement = prepared[i]!;
        results[i] = statement.sets
          ? this.runMany(statement.sql, statement.sets, options.readOnly)
          : this.runGuarded(statement.sql, statement.bound, options.readOnly);
      }
      return results;
    };
    const grouped = this.groupable(prepared);
    try {
      this.capture.ensureReady();
      if (grouped) {
        const pending = this.joinGroup(() => this.capture.withContext(options.context, true, runAll));
        index = -1;
        return await pending;
      }
      this.settle();
      const results = this.capture.withContext(options.context, true, this.db.transaction(runAll));
      this.committed();
      return results;
    } catch (error) {
      // A failed group commit fails the batch as a whole, not one of its statements.
      if (index === -1) throw this.mapError(error);
      const sql = statements[index]?.sql ?? '';
      if (error instanceof ParamSetFailure) throw batchError(this.mapError(error.cause), index, statements.length, sql, error.set);
      throw batchError(this.mapError(error), index, statements.length, sql);
    } finally {
      if (!grouped && this.group === null) this.closeStrayTransaction();
    }
  }

  private tableKind(table: string): 'table' | 'view' | undefined {
    const row = this.db
      .prepare("SELECT type FROM sqlite_schema WHERE type IN ('table', 'view') AND name = ?")
      .get(table) as { type: 'table' | 'view' } | undefined;
    if (row === undefined || isReservedTableName(table)) return undefined;
    return row.type;
  }

  private columnsOf(table: string): TableColumn[] {
    const rows = this.db.prepare('SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?)').all(table) as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
      hidden: number;
    }[];
    return rows
      .filter((r) => r.hidden === 0 || r.hidden === 2 || r.hidden === 3)
      .map((r) => ({
        name: r.name,
        type: r.type,
        not_null: r.notnull === 1,
        default: r.dflt_value,
        primary_key: r.pk > 0,
      }));
  }

  private primaryKeyOf(table: string): string[] {
    const rows = this.db
      .prepare('SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk')
      .all(table) as { name: string }[];
    return rows.map((r) => r.name);
  }

  async createTable(table: string, columns: ColumnDefinition[]): Promise<void> {
    while (this.txOpen !== null) await this.txOpen;
    const ddl = buildCreateTable(table, columns, 'sqlite');
    this.settle();
    if (this.tableKind(table) !== undefined) {
      throw new DbForgeError('CONFLICT', `Table '${table}' already exists.`);
    }
    try {
      // The new table's triggers are made in the same transaction: no write can reach it uncaptured.
      this.db.transaction(() => {
        this.db.prepare(ddl).run();
        this.capture.sync(false);
      })();
    } catch (error) {
      if (error instanceof Database.SqliteError && /already exists/.test(error.message)) {
        throw new DbForgeError('CONFLICT', `Table '${table}' already exists.`);
      }
      throw mapSqliteError(error);
    }
  }

  async insertRows(table: string, rows: Record<string, unknown>[], options: ExecuteOptions = {}): Promise<number> {
    while (this.txOpen !== null) await this.txOpen;
    const kind = this.tableKind(table);
    if (kind === undefined) throw tableNotFound(table);
    const insert = prepareInsert(
      table,
      rows,
      this.columnsOf(table).map((c) => c.name),
    );
    try {
      const stmt = this.db.prepare(insert.sql);
      const run = () => {
        let changes = 0;
        for (const values of insert.values) changes += stmt.run(values).changes;
        return changes;
      };
      this.capture.ensureReady();
      const context = options.context ?? ROWS_CONTEXT;
      if (this.groupable([])) return await this.joinGroup(() => this.capture.withContext(context, true, run));
      this.settle();
      const changes = this.capture.withContext(context, true, this.db.transaction(run));
      this.committed();
      return changes;
    } catch (error) {
      throw this.mapError(error);
    }
  }

  async selectRows(table: string, options: SelectRowsOptions): Promise<{ rows: Record<string, unknown>[]; truncated: boolean }> {
    while (this.txOpen !== null) await this.txOpen;
    const kind = this.tableKind(table);
    if (kind === undefined) throw tableNotFound(table);
    const columns = this.columnsOf(table).map((c) => c.name);
    let order: string[] = [];
    if (kind === 'table') {
      const pk = this.primaryKeyOf(table);
      const withoutRowid = pk.length > 0; // a table with a key is ordered by it; one without has a rowid
      order = withoutRowid ? pk : ['rowid'];
    }
    const select = prepareSelect(table, options.filters, columns, order, options.limit, options.offset, 'sqlite');
    this.settle();
    try {
      const stmt = this.db.prepare(select.sql) as Stmt;
      stmt.safeIntegers(true);
      const result = this.readRows(stmt, select.values);
      return { rows: result.rows, truncated: result.truncated };
    } catch (error) {
      throw mapSqliteError(error);
    }
  }

  private listRelations(): { name: string; type: 'table' | 'view' }[] {
    return (
      this.db
        .prepare("SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') ORDER BY name")
        .all() as { name: string; type: 'table' | 'view' }[]
    ).filter((r) => !isReservedTableName(r.name));
  }

  async listTables(): Promise<TableSummary[]> {
    while (this.txOpen !== null) await this.txOpen;
    this.settle();
    return this.listRelations().map((r) => ({ name: r.name, type: r.type, columns: this.columnsOf(r.name) }));
  }

  async describeTable(table: string): Promise<TableDetail | undefined> {
    while (this.txOpen !== null) await this.txOpen;
    this.settle();
    const kind = this.tableKind(table);
    if (kind === undefined) return undefined;
    const indexes = (
      this.db.prepare('SELECT name, "unique" FROM pragma_index_list(?) ORDER BY name').all(table) as {
        name: string;
        unique: number;
      }[]
    ).map((index) => ({
      name: index.name,
      unique: index.unique === 1,
      columns: (
        this.db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').all(index.name) as { name: string | null }[]
      ).map((c) => c.name ?? '<expression>'),
    }));
    const fkRows = this.db
      .prepare('SELECT id, "table", "from", "to" FROM pragma_foreign_key_list(?) ORDER BY id, seq')
      .all(table) as { id: number; table: string; from: string; to: string | null }[];
    const byId = new Map<number, { columns: string[]; references_table: string; references_columns: string[] }>();
    for (const fk of fkRows) {
      const entry = byId.get(fk.id) ?? { columns: [], references_table: fk.table, references_columns: [] };
      entry.columns.push(fk.from);
      if (fk.to !== null) entry.references_columns.push(fk.to);
      byId.set(fk.id, entry);
    }
    const count = this.db.prepare(`SELECT count(*) AS n FROM ${quoteIdentifier(table)}`).get() as { n: number };
    return {
      name: table,
      type: kind,
      columns: this.columnsOf(table),
      indexes,
      foreign_keys: [...byId.values()],
      row_count: count.n,
    };
  }

  async read(sql: string, params: TxValue[] = []): Promise<Record<string, unknown>[]> {
    while (this.txOpen !== null) await this.txOpen;
    this.settle();
    try {
      this.beforeStatement(sql);
      const rows = this.prepare(sql).all(sqliteValues(params));
      for (const row of rows) jsonSafeRow(row);
      return rows;
    } catch (error) {
      throw mapSqliteError(error);
    }
  }

  async transaction<T>(work: (tx: TransactionContext) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    // Checked and taken in one step: whoever resumes first takes the connection, the others wait again.
    while (this.txOpen !== null) await this.txOpen;
    let release!: () => void;
    this.txOpen = new Promise<void>((resolve) => (release = resolve));
    const triggers = !options.recordsEvents;
    let wrote = false;
    // Engine failures are mapped where they happen; what `work` throws itself passes through as it is.
    const tx: TransactionContext = {
      all: async (sql, params = []) => {
        try {
          this.beforeStatement(sql);
          const rows = this.prepare(sql).all(sqliteValues(params));
          for (const row of rows) jsonSafeRow(row);
          return rows;
        } catch (error) {
          throw mapTransactionError(error);
        }
      },
      run: async (sql, params = []) => {
        wrote = true;
        try {
          this.beforeStatement(sql);
          return this.prepare(sql).run(sqliteValues(params)).changes;
        } catch (error) {
          throw mapTransactionError(error);
        }
      },
      syncCapture: async () => {
        this.capture.sync(false);
      },
    };
    let group: Group | null = null;
    let alone = false;
    let exit: (() => void) | undefined;
    let answer: Promise<T> | undefined;
    let foreignKeysOff = false;
    try {
      try {
        if (options.foreignKeysOff) {
          // The pragma is a no-op inside a transaction: the open group commits first, and this one runs alone.
          this.settle();
          this.db.pragma('foreign_keys = OFF');
          foreignKeysOff = true;
          this.prepare('BEGIN IMMEDIATE').run();
          if (triggers) this.capture.ensureReady();
        } else if (this.groupable([])) {
          if (triggers) this.capture.ensureReady();
          group = this.openGroup();
          alone = this.beginUnit(group);
        } else {
          this.settle();
          this.prepare('BEGIN IMMEDIATE').run();
          if (triggers) this.capture.ensureReady();
        }
      } catch (error) {
        throw mapTransactionError(error);
      }
      // Writes with the capture paused (the resource engine records its own events) can change a plain table's rows
      // unrecorded, by a foreign key action: the bulk events are written out before them.
      if (!triggers) this.settleBulk();
      exit = this.capture.enter(options.context, triggers);
      const value = await work(tx);
      try {
        if (wrote && this.capture.schemaChanged()) this.capture.sync(false);
        if (group === null) this.prepare('COMMIT').run();
        else this.endUnit(alone);
      } catch (error) {
        throw mapTransactionError(error);
      }
      if (group === null) {
        if (wrote) this.committed();
        return value;
      }
      if (wrote) group.wrote = true;
      // Joins the group before the connection is released: the group's commit may come due at the release.
      const members = group.members;
      answer = new Promise<T>((resolve, reject) => members.push({ resolve: () => resolve(value), reject }));
    } catch (error) {
      if (group !== null) this.failUnit(group, alone);
      else this.closeStrayTransaction();
      throw error;
    } finally {
      if (foreignKeysOff) this.db.pragma('foreign_keys = ON');
      exit?.();
      this.txOpen = null;
      release();
      if (this.commitDue) {
        this.commitDue = false;
        this.commitGroup();
      }
    }
    return answer;
  }

  sizeBytes(): number {
    let total = 0;
    for (const suffix of ['', '-wal', '-shm']) {
      try {
        total += fs.statSync(this.file + suffix).size;
      } catch {
        // the file does not exist (yet): it counts for nothing
      }
    }
    return total;
  }

  async close(): Promise<void> {
    while (this.txOpen !== null) await this.txOpen;
    clearTimeout(this.catchUp);
    this.catchUp = undefined;
    if (this.db.open) this.settle();
    this.cache.clear();
    if (this.db.open) this.db.close();
  }
}
