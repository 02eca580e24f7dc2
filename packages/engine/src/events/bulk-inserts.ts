import type Database from 'better-sqlite3';
import { quoteIdentifier as q } from '@dbforge/contracts';
import { ParamSetFailure } from '../batch.js';
import { scanSql } from '../sql-lexer.js';
import { BULK_EVENTS_TABLE, EVENT_COLUMNS, EVENTS_TABLE } from './schema.js';
import type { SqliteCapture } from './sqlite-capture.js';

/**
 * Bulk inserts and their events (SQLite). A statement run once per parameter set (a batch's `param_sets`) that is a
 * plain `INSERT INTO t (...) VALUES (...)` into a captured table keyed by its rowid records its rows' `create` events
 * as one pending entry instead of one event row per row: the event ids are reserved in the log's sequence (so every
 * row keeps its own id, in insertion order), and the entry holds the keys the statement inserted. Writing each row's
 * image with the row (a second, wider, twice-indexed row per row, through a trigger) cost three times the insert.
 *
 * The entry becomes ordinary events, with exactly the ids reserved for them, while the database is idle (`step`) or
 * before anything can read the log or change what it derives them from (`settle`): each row's image is the row itself,
 * unless a later event of the record (an update or a delete, which the triggers record with the row as it was before)
 * tells it. Until then no write changes those rows unrecorded: the capture's update and delete triggers stay on, and
 * the adapter settles first before whatever could get past them: a statement that may change the schema, replace rows
 * (SQLite removes a replaced row without its delete trigger) or touch `sqlite_sequence`, a write with the capture
 * paused (the resource engine's, whose foreign key actions can reach a plain table), and an open without the log.
 */

/** At least this many parameter sets make a statement a bulk insert; fewer are captured row by row. */
export const BULK_MIN_SETS = 256;

/** One key, or a run of consecutive keys; keys beyond 2^53 are kept as text, one by one. */
type KeyRun = [number, number] | string;

/** The table a bulk insert writes to and its key column (an INTEGER PRIMARY KEY: the rowid itself). */
export interface BulkTarget {
  table: string;
  key: string;
}

interface PendingRow {
  last_id: number;
  first_id: number;
  committed_at: string;
  actor_id: string;
  actor_roles: string;
  request_id: string | null;
  source: string;
  tbl: string;
  key_column: string;
  runs: string;
  reverts: number | null;
}

const INSERT_EVENT = `INSERT INTO ${EVENTS_TABLE} (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 'create', NULL, ?, ?, NULL, ?, ?)`;
/** Rows whose images are read at a time when writing events out. */
const CHUNK = 10_000;
/** Events written out per step while the database is idle (a step holds the connection for some 20 to 40 ms). */
export const BULK_STEP_EVENTS = 10_000;
/** The database counts as idle when nothing was written for this long. */
export const BULK_IDLE_MS = 250;

/**
 * The table of `INSERT INTO name [(columns)] VALUES (one row)` with nothing else (no OR, no DEFAULT VALUES, no SELECT,
 * no second row, no upsert, no RETURNING), or undefined. Only such a statement inserts exactly one row per run with
 * no effect on other rows.
 */
export function plainInsertTable(sql: string): string | undefined {
  const tokens: { kind: string; text: string }[] = [];
  let tooLong = false;
  scanSql(sql, (kind, start, end) => {
    if (tokens.length > 4096) {
      tooLong = true;
      return true;
    }
    tokens.push({ kind, text: sql.slice(start, end) });
  });
  if (tooLong) return undefined;
  const word = (i: number, w: string) => tokens[i]?.kind === 'word' && tokens[i]!.text.toUpperCase() === w;
  const punct = (i: number, p: string) => tokens[i]?.kind === 'punct' && tokens[i]!.text === p;
  if (!word(0, 'INSERT') || !word(1, 'INTO')) return undefined;
  let i = 2;
  const nameOf = (t: { kind: string; text: string } | undefined): string | undefined => {
    if (t === undefined) return undefined;
    if (t.kind === 'word') return t.text;
    if (t.kind === 'ident' || t.kind === 'string') return t.text.replace(/""|``|''/g, (m) => m[0]!);
    return undefined;
  };
  let table = nameOf(tokens[i]);
  if (table === undefined) return undefined;
  i++;
  if (punct(i, '.')) {
    // Only the main schema is captured (temp and attached ones are not).
    if (table.toLowerCase() !== 'main') return undefined;
    table = nameOf(tokens[i + 1]);
    if (table === undefined) return undefined;
    i += 2;
  }
  const skipGroup = (start: number): number => {
    if (!punct(start, '(')) return -1;
    let depth = 0;
    for (let k = start; k < tokens.length; k++) {
      if (punct(k, '(')) depth++;
      else if (punct(k, ')') && --depth === 0) return k + 1;
    }
    return -1;
  };
  if (punct(i, '(')) {
    i = skipGroup(i);
    if (i === -1) return undefined;
  }
  if (!word(i, 'VALUES')) return undefined;
  i = skipGroup(i + 1);
  if (i === -1) return undefined;
  while (punct(i, ';')) i++;
  return i === tokens.length ? table : undefined;
}

export class BulkInserts {
  private readonly targets = new Map<string, { version: number; target: BulkTarget | undefined }>();
  private readonly schemaVersion: Database.Statement<[], number>;
  private readonly anyPending: Database.Statement<[], number>;
  private readonly insertEvent: Database.Statement;
  private readonly lastRowid: Database.Statement;
  private readonly triggerDdl: Database.Statement<[string], string>;
  private readonly newestId: Database.Statement<[], number>;

  constructor(
    private readonly db: Database.Database,
    private readonly capture: SqliteCapture,
    /** The database has a size limit (`max_page_count`): its bulk inserts write their events out at once. */
    private readonly limited: boolean,
  ) {
    this.schemaVersion = db.prepare('PRAGMA schema_version').pluck() as Database.Statement<[], number>;
    this.anyPending = db.prepare(`SELECT EXISTS (SELECT 1 FROM ${BULK_EVENTS_TABLE})`).pluck() as Database.Statement<[], number>;
    this.insertEvent = db.prepare(INSERT_EVENT);
    this.lastRowid = db.prepare('SELECT last_insert_rowid()').pluck().safeIntegers(true);
    this.triggerDdl = db.prepare("SELECT sql FROM main.sqlite_schema WHERE type = 'trigger' AND name = ?").pluck() as Database.Statement<[string], string>;
    // Asked after every commit while the realtime feed has subscribers: prepared once.
    this.newestId = db
      .prepare(`SELECT max(coalesce((SELECT max(id) FROM ${EVENTS_TABLE}), 0), coalesce((SELECT max(last_id) FROM ${BULK_EVENTS_TABLE}), 0))`)
      .pluck() as Database.Statement<[], number>;
  }

  /** Whether some bulk insert's events are still pending. */
  pending(): boolean {
    return this.anyPending.get() === 1;
  }

  /** The target of a statement that can run as a bulk insert with `sets` parameter sets, or undefined. */
  target(sql: string, sets: number): BulkTarget | undefined {
    if (sets < BULK_MIN_SETS || !this.capture.enabled) return undefined;
    const version = this.schemaVersion.get()!;
    const known = this.targets.get(sql);
    if (known !== undefined && known.version === version) return known.target;
    // total_changes() counts the capture's own inserts row by row: such a statement would store other values.
    const table = /total_changes/i.test(sql) ? undefined : plainInsertTable(sql);
    const target = table === undefined ? undefined : this.eligible(table);
    if (this.targets.size > 256) this.targets.clear();
    this.targets.set(sql, { version, target });
    return target;
  }

  /**
   * A captured table (no resource over it: the resource engine has its own view of a record), a rowid table keyed
   * by an INTEGER PRIMARY KEY (its key is its rowid: stable, and told by every insert), no trigger but the capture's
   * (an insert then changes nothing else), and no temporary table of the same name (which the statement would mean).
   */
  private eligible(table: string): BulkTarget | undefined {
    const listed = this.db.pragma('table_list') as { schema: string; name: string; type: string; wr: number }[];
    const entries = listed.filter((t) => t.name.toLowerCase() === table.toLowerCase());
    if (entries.length !== 1 || entries[0]!.schema !== 'main' || entries[0]!.type !== 'table' || entries[0]!.wr !== 0) return undefined;
    const name = entries[0]!.name;
    if (!this.capture.captures(name)) return undefined;
    const columns = this.db.pragma(`main.table_info(${q(name)})`) as { name: string; type: string; pk: number }[];
    const pk = columns.filter((c) => c.pk > 0);
    if (pk.length !== 1 || pk[0]!.type.toUpperCase() !== 'INTEGER') return undefined;
    // `INTEGER PRIMARY KEY DESC` is no rowid alias: SQLite gives such a key an index of its own.
    const indexes = this.db.pragma(`main.index_list(${q(name)})`) as { origin: string }[];
    if (indexes.some((ix) => ix.origin === 'pk')) return undefined;
    // A constraint that replaces on conflict removes rows without their delete trigger (see the adapter's `replaces`);
    // one that ignores a row leaves a set without its row. Neither table is taken.
    const ddl = this.db.prepare("SELECT sql FROM main.sqlite_schema WHERE type = 'table' AND name = ?").pluck().get(name) as string;
    if (/replace|on\s+conflict/i.test(ddl)) return undefined;
    // Nor while a trigger anywhere may replace rows: it would remove them unrecorded, whatever statement fires it.
    const replacing = this.db
      .prepare("SELECT 1 FROM main.sqlite_schema WHERE type = 'trigger' AND substr(name, 1, 12) <> '_dbforge_ev_' AND sql LIKE '%replace%'")
      .get();
    if (replacing !== undefined) return undefined;
    const triggers = this.db
      .prepare("SELECT name FROM main.sqlite_schema WHERE type = 'trigger' AND tbl_name = ? COLLATE NOCASE")
      .pluck()
      .all(name) as string[];
    const own = this.capture.insertTrigger(name);
    if (!triggers.includes(own) || triggers.some((t) => !this.capture.isCaptureTrigger(t))) return undefined;
    return { table: name, key: pk[0]!.name };
  }

  /**
   * Runs `stmt` once per set without the table's insert trigger, then records the pending entry, in the caller's
   * transaction (a failure rolls it all back, the trigger included). Answers the changes and the last rowid; a failing
   * set throws `ParamSetFailure`.
   */
  insert(stmt: Database.Statement, sets: unknown[], target: BulkTarget): { changes: number; rowid: number | bigint } {
    const trigger = this.capture.insertTrigger(target.table);
    const sql = this.triggerSql(trigger)!;
    const version = this.schemaVersion.get()!;
    this.db.prepare(`DROP TRIGGER main.${q(trigger)}`).run();
    const runs: KeyRun[] = [];
    let count = 0;
    let rowid: number | bigint = 0;
    let j = 0;
    try {
      for (; j < sets.length; j++) {
        const info = stmt.run(sets[j]);
        if (info.changes !== 1) throw new Error(`a bulk insert's run changed ${info.changes} rows`);
        rowid = info.lastInsertRowid;
        count++;
        // Beyond 2^53 better-sqlite3 answers an inexact number: the exact key is asked for.
        if (typeof rowid === 'number' && !Number.isSafeInteger(rowid)) rowid = this.lastRowid.get() as bigint;
        if (typeof rowid === 'bigint') {
          runs.push(String(rowid));
          continue;
        }
        const last = runs[runs.length - 1];
        if (last !== undefined && typeof last !== 'string' && last[1] + 1 === rowid) last[1] = rowid;
        else runs.push([rowid, rowid]);
      }
    } catch (error) {
      // A full disk or database can end the whole transaction, the dropped trigger coming back with it.
      if (this.db.inTransaction && this.triggerSql(trigger) === undefined) this.restoreTrigger(sql, version);
      throw new ParamSetFailure(error, { index: j, total: sets.length });
    }
    this.restoreTrigger(sql, version);
    const reserved = this.db
      .prepare(
        `SELECT max(coalesce((SELECT seq FROM main.sqlite_sequence WHERE name = '${EVENTS_TABLE}'), 0), coalesce((SELECT max(id) FROM ${EVENTS_TABLE}), 0))`,
      )
      .pluck()
      .get() as number;
    const first = reserved + 1;
    const last = reserved + count;
    if (this.db.prepare('UPDATE main.sqlite_sequence SET seq = ? WHERE name = ?').run(last, EVENTS_TABLE).changes === 0) {
      this.db.prepare('INSERT INTO main.sqlite_sequence (name, seq) VALUES (?, ?)').run(EVENTS_TABLE, last);
    }
    this.db
      .prepare(
        `INSERT INTO ${BULK_EVENTS_TABLE} (last_id, first_id, committed_at, actor_id, actor_roles, request_id, source, tbl, key_column, runs, reverts) ` +
          "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), dbforge_actor_id(), dbforge_actor_roles(), dbforge_request_id(), dbforge_source(), ?, ?, ?, dbforge_reverts())",
      )
      .run(last, first, target.table, target.key, JSON.stringify(runs));
    // A database with a size limit writes the events out at once, in the insert's transaction: events that did not
    // fit later would leave the log unreadable, and every write after it refused; this way an insert whose events
    // don't fit fails for want of space (QUOTA_EXCEEDED), as it would row by row.
    if (this.limited) this.settle();
    return { changes: count, rowid };
  }

  /**
   * Makes the insert trigger again as it was: the schema is the same as at `version`, so the capture's triggers and the
   * targets found at that version still hold (without this, every bulk insert would look its target up again).
   */
  private restoreTrigger(sql: string, version: number): void {
    this.db.prepare(sql).run();
    this.capture.noteSchema();
    const now = this.schemaVersion.get()!;
    for (const known of this.targets.values()) if (known.version === version) known.version = now;
  }

  /** A trigger's CREATE statement, or undefined when there is no such trigger. */
  private triggerSql(name: string): string | undefined {
    return this.triggerDdl.get(name);
  }

  /** Makes every pending entry ordinary events (in the open transaction, or in one of its own). */
  settle(): void {
    if (!this.pending()) return;
    const work = () => {
      const rows = this.db.prepare(`SELECT * FROM ${BULK_EVENTS_TABLE} ORDER BY last_id`).all() as PendingRow[];
      for (const row of rows) this.expand(row, Infinity);
      this.db.prepare(`DELETE FROM ${BULK_EVENTS_TABLE}`).run();
    };
    if (this.db.inTransaction) work();
    else this.db.transaction(work).immediate();
  }

  /**
   * Writes out the oldest pending events, at most `budget` of them, in a transaction of its own (the worker does this
   * while the database is idle, so that a read after a large import finds little or nothing left to write). Answers
   * whether some are still pending.
   */
  step(budget: number): boolean {
    if (this.db.inTransaction) return true;
    return this.db.transaction(() => {
      const row = this.db.prepare(`SELECT * FROM ${BULK_EVENTS_TABLE} ORDER BY last_id LIMIT 1`).get() as PendingRow | undefined;
      if (row === undefined) return false;
      const rest = this.expand(row, budget);
      if (rest === undefined) this.db.prepare(`DELETE FROM ${BULK_EVENTS_TABLE} WHERE last_id = ?`).run(row.last_id);
      else this.db.prepare(`UPDATE ${BULK_EVENTS_TABLE} SET first_id = ?, runs = ? WHERE last_id = ?`).run(rest.first, JSON.stringify(rest.runs), row.last_id);
      return this.pending();
    }).immediate();
  }

  /** The newest event id, pending ones included (without settling them). */
  latestId(): number {
    return this.newestId.get()!;
  }

  /**
   * Writes out the events of a pending entry, at most `budget` of them: answers what is left of it (the next id and
   * keys), or undefined when it is done.
   */
  private expand(row: PendingRow, budget: number): { first: number; runs: KeyRun[] } | undefined {
    const runs = JSON.parse(row.runs) as KeyRun[];
    const key = q(row.key_column);
    const table = q(row.tbl);
    // Later events of the table: the first update or delete of each record holds the row as the bulk insert left it
    // (an update that changed the key is filed under the new key, its `before` holds the old one).
    const told = new Map<string, string>();
    const later = this.db
      .prepare(`SELECT record_id, before FROM ${EVENTS_TABLE} WHERE tbl = ? AND id > ? AND op IN ('update', 'delete') AND before IS NOT NULL ORDER BY id`)
      .all(row.tbl, row.last_id) as { record_id: string | null; before: string }[];
    for (const event of later) {
      let old: unknown;
      try {
        old = (JSON.parse(event.before) as Record<string, unknown>)[row.key_column];
      } catch {
        old = undefined;
      }
      const was = old === undefined || old === null ? event.record_id : String(old);
      if (was !== null && !told.has(was)) told.set(was, event.before);
    }
    const rowImage = this.capture.rowImage(row.tbl, 'r');
    const image = this.db.prepare(`SELECT CAST(r.${key} AS TEXT) AS k, ${rowImage} AS j FROM main.${table} AS r WHERE r.${key} BETWEEN ? AND ?`);
    // A run of keys none of which changed since: every row is there as inserted, its event written in one statement.
    const whole = this.db.prepare(
      `INSERT INTO ${EVENTS_TABLE} (${EVENT_COLUMNS}) ` +
        `SELECT ? + (r.${key} - ?), ?, ?, ?, ?, ?, 'create', NULL, ?, CAST(r.${key} AS TEXT), NULL, ${rowImage}, ? ` +
        `FROM main.${table} AS r WHERE r.${key} BETWEEN ? AND ? ORDER BY r.${key}`,
    );
    const present = this.db.prepare(`SELECT count(*) FROM main.${table} WHERE ${key} BETWEEN ? AND ?`).pluck();
    // Every row of the range there (none can go unrecorded while the events wait), and none changed since.
    const untouched = (lo: number, hi: number) => {
      if (present.get(lo, hi) !== hi - lo + 1) return false;
      if (told.size === 0) return true;
      for (const k of told.keys()) {
        const n = Number(k);
        if (n >= lo && n <= hi) return false;
      }
      return true;
    };
    let id = row.first_id;
    let left = budget;
    const put = (recordId: string, after: string | null) => {
      this.insertEvent.run(id++, row.committed_at, row.actor_id, row.actor_roles, row.request_id, row.source, row.tbl, recordId, after, row.reverts);
      left--;
    };
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!;
      if (left <= 0) return { first: id, runs: runs.slice(r) };
      if (typeof run === 'string') {
        const current = image.get(BigInt(run), BigInt(run)) as { j: string } | undefined;
        put(run, told.get(run) ?? current?.j ?? null);
        continue;
      }
      let lo = run[0];
      while (lo <= run[1]) {
        if (left <= 0) return { first: id, runs: [[lo, run[1]], ...runs.slice(r + 1)] };
        const hi = Math.min(run[1], lo + Math.min(CHUNK, left) - 1);
        if (untouched(lo, hi)) {
          const written = whole.run(id, lo, row.committed_at, row.actor_id, row.actor_roles, row.request_id, row.source, row.tbl, row.reverts, lo, hi).changes;
          id += written;
          left -= written;
          lo = hi + 1;
          continue;
        }
        // The rows' images are read first, then their events written (the read is done before the writes start).
        const now = new Map<string, string>();
        for (const found of image.iterate(lo, hi) as IterableIterator<{ k: string; j: string }>) now.set(found.k, found.j);
        for (let k = lo; k <= hi; k++) {
          const recordId = String(k);
          put(recordId, told.get(recordId) ?? now.get(recordId) ?? null);
        }
        lo = hi + 1;
      }
    }
    return undefined;
  }
}
