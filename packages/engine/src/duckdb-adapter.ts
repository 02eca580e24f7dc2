import fs from 'node:fs';
import path from 'node:path';
import {
  DuckDBInstance,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  ResultReturnType,
  StatementType,
  blobValue,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBValue,
  type DuckDBValueConverter,
  type Json,
} from '@duckdb/node-api';
import { DbForgeError, ENGINE_CAPABILITIES, isReservedTableName, quoteIdentifier } from '@dbforge/contracts';
import type { ColumnDefinition, SqlParams, TableColumn, TableDetail, TableSummary } from '@dbforge/contracts';
import { assertStatementAllowed, explainAnalyzeTarget } from './sql-guard.js';
import { buildCreateTable } from './column-types.js';
import { prepareInsert, prepareSelect, tableNotFound } from './table-ops.js';
import { jsonInteger, normaliseParams, type BindValue } from './values.js';
import { batchError, combineResults, ParamSetFailure, prepareStatement } from './batch.js';
import { mapDuckDbError } from './duckdb-errors.js';
import { readOnlyRefusal } from './read-only.js';
import { appendEvents, eventLogDdl } from './events/schema.js';
import { namesReservedObject, reservedWriteRefused } from './events/reserved-writes.js';
import type { NewEvent } from './events/types.js';
import type {
  DatabaseAdapter,
  ExecuteOptions,
  TransactionContext,
  TxValue,
  OpenOptions,
  TransactionOptions,
  ResultLimits,
  RowsResult,
  SelectRowsOptions,
  Statement,
  StatementResult,
} from './types.js';

export const DUCKDB_FILE = 'data.duckdb';

/** Statement kinds that only read. */
const READING_STATEMENTS = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN, StatementType.PRAGMA, StatementType.RELATION]);

/**
 * Statement kinds no caller may run, whatever their text looks like (the statement guard refuses them by their first
 * words; this is the engine's own verdict behind it): transactions are the adapter's, the connection's settings, files,
 * extensions and prepared statements are shared by every caller of the database.
 */
const REFUSED_STATEMENTS = new Set<StatementType>([
  StatementType.TRANSACTION,
  StatementType.ATTACH,
  StatementType.DETACH,
  StatementType.LOAD,
  StatementType.EXTENSION,
  StatementType.UPDATE_EXTENSIONS,
  StatementType.SET,
  StatementType.VARIABLE_SET,
  StatementType.COPY,
  StatementType.COPY_DATABASE,
  StatementType.EXPORT,
  StatementType.PREPARE,
  StatementType.EXECUTE,
  StatementType.LOGICAL_PLAN,
  StatementType.MULTI,
]);
const STATEMENT_CACHE_SIZE = 128;

/** DuckDB's JSON conversion, except that 64-bit integers stay numbers when JavaScript can hold them and blobs are base64. */
const toJson: DuckDBValueConverter<Json> = (value, type, converter) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return typeof value === 'bigint' ? jsonInteger(value) : JsonDuckDBValueConverter(value, type, converter);
    case DuckDBTypeId.BLOB: {
      const bytes = (value as { bytes?: Uint8Array }).bytes;
      return bytes ? Buffer.from(bytes).toString('base64') : null;
    }
    default:
      return JsonDuckDBValueConverter(value, type, converter);
  }
};

function toDuckValue(value: BindValue): DuckDBValue {
  if (Buffer.isBuffer(value)) return blobValue(value);
  return value;
}

function toDuckParams(bound: BindValue[] | Record<string, BindValue>): DuckDBValue[] | Record<string, DuckDBValue> {
  if (Array.isArray(bound)) return bound.map(toDuckValue);
  const out: Record<string, DuckDBValue> = {};
  for (const [key, value] of Object.entries(bound)) out[key] = toDuckValue(value);
  return out;
}

export class DuckDbAdapter implements DatabaseAdapter {
  readonly engine = 'duckdb' as const;
  readonly capabilities = ENGINE_CAPABILITIES.duckdb;
  private readonly cache = new Map<string, DuckDBPreparedStatement>();
  /** Bumped whenever the statement cache is cleared. */
  private cacheGeneration = 0;
  /** One connection, one statement at a time: results, transactions and interrupts never interleave. */
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly file: string,
    private readonly limits: ResultLimits,
    private readonly timeoutMs: number,
    private readonly quotaBytes: number | null = null,
    readonly eventLog = true,
  ) {}

  private readonly listeners: (() => void)[] = [];

  onCommit(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** DuckDB has no triggers: raw SQL writes are not captured (capability `change_capture_sql: false`). */
  configureCapture(): void {
    // Nothing to configure: resource writes are recorded by the resource engine, rows by insertRows.
  }

  private committed(): void {
    for (const listener of this.listeners) listener();
  }

  static async open(options: OpenOptions): Promise<DuckDbAdapter> {
    fs.mkdirSync(options.directory, { recursive: true });
    const file = path.join(options.directory, DUCKDB_FILE);
    const instance = await DuckDBInstance.create(file, {
      // The SQL can reach nothing but this database: no files, no network, no extensions, and no way to undo this.
      enable_external_access: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      allow_community_extensions: 'false',
      lock_configuration: 'true',
    });
    const connection = await instance.connect();
    for (const sql of eventLogDdl('duckdb')) await connection.run(sql);
    return new DuckDbAdapter(instance, connection, file, options.limits, options.statementTimeoutMs ?? 30_000, options.maxDatabaseBytes ?? null, options.eventLog ?? true);
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Runs `task` with a deadline: past it the running statement is interrupted and the call fails with TIMEOUT. */
  private async withDeadline<T>(task: () => Promise<T>): Promise<T> {
    const timer = setTimeout(() => this.connection.interrupt(), this.timeoutMs);
    try {
      return await task();
    } finally {
      clearTimeout(timer);
    }
  }

  private clearStatements(): void {
    for (const stmt of this.cache.values()) stmt.destroySync();
    this.cache.clear();
    this.cacheGeneration++;
  }

  private async prepare(sql: string): Promise<DuckDBPreparedStatement> {
    let stmt = this.cache.get(sql);
    if (stmt !== undefined) return stmt;
    stmt = await this.connection.prepare(sql);
    if (this.cache.size >= STATEMENT_CACHE_SIZE) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) {
        this.cache.get(oldest.value)?.destroySync();
        this.cache.delete(oldest.value);
      }
    }
    this.cache.set(sql, stmt);
    return stmt;
  }

  private async runStatement(sql: string, bound: BindValue[] | Record<string, BindValue>, readOnly = false): Promise<StatementResult> {
    const stmt = await this.prepare(sql);
    if (REFUSED_STATEMENTS.has(stmt.statementType)) {
      throw new DbForgeError('FORBIDDEN', `This kind of statement (${StatementType[stmt.statementType]}) is not available through the API.`);
    }
    // EXPLAIN ANALYZE runs the statement it explains: only a reading one may be explained that way.
    const analyzed = stmt.statementType === StatementType.EXPLAIN ? explainAnalyzeTarget(sql) : undefined;
    if (analyzed !== undefined && !READING_STATEMENTS.has((await this.prepare(analyzed)).statementType)) {
      throw new DbForgeError('FORBIDDEN', 'EXPLAIN ANALYZE runs the statement it explains: only a reading statement can be explained with ANALYZE.');
    }
    // DuckDB's parser says what kind of statement it is; only reading kinds run for a read-only caller.
    const reads = READING_STATEMENTS.has(stmt.statementType);
    if (readOnly && !reads) throw readOnlyRefusal();
    // The event log and the engine's tables can be read through SQL, never changed.
    if (!reads && namesReservedObject(sql)) throw reservedWriteRefused();
    // DuckDB has no page limit: a database past its quota refuses further writes (it may overshoot by one write).
    if (!reads && this.quotaBytes !== null && this.sizeBytes() >= this.quotaBytes) {
      throw new DbForgeError('QUOTA_EXCEEDED', `The database has reached its size limit of ${this.quotaBytes} bytes (its tenant's quota); the write was not applied.`);
    }
    stmt.clearBindings();
    const params = toDuckParams(bound);
    if (Array.isArray(params) ? params.length > 0 : Object.keys(params).length > 0) stmt.bind(params);
    const result = await stmt.stream();
    if (result.returnType !== ResultReturnType.QUERY_RESULT) {
      return { kind: 'exec', rowsAffected: result.rowsChanged, lastInsertRowid: null };
    }
    const { maxResultRows, maxResultBytes } = this.limits;
    const rows: Record<string, unknown>[] = [];
    let bytes = 2;
    let truncated = false;
    outer: for await (const batch of result.yieldConvertedRowObjects(toJson)) {
      for (const row of batch) {
        if (rows.length >= maxResultRows) {
          truncated = true;
          break outer;
        }
        bytes += approximateJsonBytes(row);
        if (bytes > maxResultBytes) {
          truncated = true;
          break outer;
        }
        rows.push(row);
      }
    }
    const names = result.columnNames();
    const types = result.columnTypes();
    const out: RowsResult = {
      kind: 'rows',
      rows,
      columns: names.map((name, i) => ({ name, type: String(types[i]) })),
      truncated,
    };
    return out;
  }

  async execute(sql: string, params?: SqlParams, options: ExecuteOptions = {}): Promise<StatementResult> {
    assertStatementAllowed(sql, 'duckdb');
    const bound = normaliseParams(params);
    return this.serial(() =>
      this.withDeadline(async () => {
        try {
          return await this.runStatement(sql, bound, options.readOnly);
        } catch (error) {
          throw mapDuckDbError(error, this.timeoutMs);
        }
      }),
    );
  }

  private async inTransaction<T>(task: () => Promise<T>): Promise<T> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const value = await task();
      await this.connection.run('COMMIT');
      return value;
    } catch (error) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async batch(statements: Statement[], options: ExecuteOptions = {}): Promise<StatementResult[]> {
    const prepared = statements.map((statement, i) => {
      try {
        assertStatementAllowed(statement.sql, 'duckdb');
        return prepareStatement(statement, i);
      } catch (error) {
        throw batchError(mapDuckDbError(error, this.timeoutMs), i, statements.length, statement.sql);
      }
    });
    return this.serial(() =>
      this.withDeadline(async () => {
        let index = 0;
        try {
          return await this.inTransaction(async () => {
            const results: StatementResult[] = [];
            for (; index < prepared.length; index++) {
              const statement = prepared[index]!;
              if (statement.sets === undefined) {
                results.push(await this.runStatement(statement.sql, statement.bound, options.readOnly));
                continue;
              }
              const runs: StatementResult[] = new Array(statement.sets.length);
              for (let j = 0; j < statement.sets.length; j++) {
                try {
                  runs[j] = await this.runStatement(statement.sql, statement.sets[j]!, options.readOnly);
                } catch (error) {
                  throw new ParamSetFailure(error, { index: j, total: statement.sets.length });
                }
              }
              results.push(combineResults(runs, this.limits.maxResultRows));
            }
            return results;
          });
        } catch (error) {
          const failure = error instanceof ParamSetFailure ? error : undefined;
          const mapped = mapDuckDbError(failure ? failure.cause : error, this.timeoutMs);
          if (mapped.code === 'TIMEOUT' || mapped.code === 'INTERNAL_ERROR') throw mapped;
          throw batchError(mapped, index, statements.length, statements[index]?.sql ?? '', failure?.set);
        }
      }),
    );
  }

  private async query<T>(sql: string, params: DuckDBValue[] = []): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.convertRowObjects(toJson) as unknown as T[];
  }

  private async tableKind(table: string): Promise<'table' | 'view' | undefined> {
    if (isReservedTableName(table)) return undefined;
    const rows = await this.query<{ type: string }>(
      "SELECT table_type AS type FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ?",
      [table],
    );
    const type = rows[0]?.type;
    if (type === undefined) return undefined;
    return type === 'VIEW' ? 'view' : 'table';
  }

  private async columnsOf(table: string): Promise<TableColumn[]> {
    const pk = new Set(await this.primaryKeyOf(table));
    const rows = await this.query<{ name: string; type: string; nullable: string; dflt: string | null }>(
      `SELECT column_name AS name, data_type AS type, is_nullable AS nullable, column_default AS dflt
         FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position`,
      [table],
    );
    return rows.map((r) => ({
      name: r.name,
      type: r.type,
      not_null: r.nullable === 'NO',
      default: r.dflt,
      primary_key: pk.has(r.name),
    }));
  }

  private async primaryKeyOf(table: string): Promise<string[]> {
    const rows = await this.query<{ cols: string[] }>(
      `SELECT constraint_column_names AS cols FROM duckdb_constraints()
        WHERE schema_name = 'main' AND table_name = ? AND constraint_type = 'PRIMARY KEY'`,
      [table],
    );
    return rows[0]?.cols ?? [];
  }

  async createTable(table: string, columns: ColumnDefinition[]): Promise<void> {
    const ddl = buildCreateTable(table, columns, 'duckdb');
    await this.serial(async () => {
      if ((await this.tableKind(table)) !== undefined) {
        throw new DbForgeError('CONFLICT', `Table '${table}' already exists.`);
      }
      try {
        await this.connection.run(ddl);
      } catch (error) {
        if (error instanceof Error && /already exists/.test(error.message)) {
          throw new DbForgeError('CONFLICT', `Table '${table}' already exists.`);
        }
        throw mapDuckDbError(error, this.timeoutMs);
      }
    });
  }

  async insertRows(table: string, rows: Record<string, unknown>[], options: ExecuteOptions = {}): Promise<number> {
    const inserted = await this.serial(async () => {
      if ((await this.tableKind(table)) === undefined) throw tableNotFound(table);
      const insert = prepareInsert(
        table,
        rows,
        (await this.columnsOf(table)).map((c) => c.name),
      );
      const pk = this.eventLog ? await this.primaryKeyOf(table) : [];
      return this.withDeadline(async () => {
        try {
          return await this.inTransaction(async () => {
            // With the log on, each row comes back as stored (defaults, generated keys) to be recorded as its event.
            const stmt = await this.prepare(this.eventLog ? `${insert.sql} RETURNING *` : insert.sql);
            let changes = 0;
            const events: NewEvent[] = [];
            for (const values of insert.values) {
              stmt.clearBindings();
              stmt.bind(values.map(toDuckValue));
              if (!this.eventLog) {
                changes += (await stmt.run()).rowsChanged;
                continue;
              }
              const stored = (await stmt.runAndReadAll()).convertRowObjects(toJson) as Record<string, unknown>[];
              changes += stored.length;
              for (const row of stored) {
                const recordId = pk.length === 0 ? null : pk.length === 1 ? String(row[pk[0]!]) : JSON.stringify(pk.map((c) => row[c]));
                events.push({ op: 'create', resource: null, table, recordId, before: null, after: row });
              }
            }
            if (events.length > 0) {
              await appendEvents(this.txContext(), options.context ?? { actor: { id: 'admin', roles: ['admin'] }, source: 'rows' }, events);
            }
            return changes;
          });
        } catch (error) {
          throw mapDuckDbError(error, this.timeoutMs);
        }
      });
    });
    if (this.eventLog) this.committed();
    return inserted;
  }

  /** Statements inside a transaction this adapter has open (for the events it records itself). */
  private txContext(): TransactionContext {
    return {
      all: async (sql, params = []) => {
        const stmt = await this.prepare(sql);
        stmt.clearBindings();
        if (params.length > 0) stmt.bind(params.map((value) => (Buffer.isBuffer(value) ? blobValue(value) : value)));
        return (await stmt.runAndReadAll()).convertRowObjects(toJson) as Record<string, unknown>[];
      },
      run: async (sql, params = []) => {
        const stmt = await this.prepare(sql);
        stmt.clearBindings();
        if (params.length > 0) stmt.bind(params.map((value) => (Buffer.isBuffer(value) ? blobValue(value) : value)));
        return Number((await stmt.run()).rowsChanged);
      },
      syncCapture: async () => undefined,
    };
  }

  async read(sql: string, params: TxValue[] = []): Promise<Record<string, unknown>[]> {
    return this.serial(async () => {
      try {
        return await this.txContext().all(sql, params);
      } catch (error) {
        throw mapDuckDbError(error, this.timeoutMs);
      }
    });
  }

  async selectRows(table: string, options: SelectRowsOptions): Promise<{ rows: Record<string, unknown>[]; truncated: boolean }> {
    return this.serial(async () => {
      const kind = await this.tableKind(table);
      if (kind === undefined) throw tableNotFound(table);
      const columns = (await this.columnsOf(table)).map((c) => c.name);
      const pk = kind === 'table' ? await this.primaryKeyOf(table) : [];
      const order = kind === 'table' ? (pk.length > 0 ? pk : ['rowid']) : [];
      const select = prepareSelect(table, options.filters, columns, order, options.limit, options.offset, 'duckdb');
      return this.withDeadline(async () => {
        try {
          const result = await this.runStatement(select.sql, select.values);
          if (result.kind !== 'rows') return { rows: [], truncated: false };
          return { rows: result.rows, truncated: result.truncated };
        } catch (error) {
          throw mapDuckDbError(error, this.timeoutMs);
        }
      });
    });
  }

  async listTables(): Promise<TableSummary[]> {
    return this.serial(async () => {
      const relations = await this.query<{ name: string; type: string }>(
        "SELECT table_name AS name, table_type AS type FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name",
      );
      const out: TableSummary[] = [];
      for (const r of relations) {
        if (isReservedTableName(r.name)) continue;
        out.push({ name: r.name, type: r.type === 'VIEW' ? 'view' : 'table', columns: await this.columnsOf(r.name) });
      }
      return out;
    });
  }

  async describeTable(table: string): Promise<TableDetail | undefined> {
    return this.serial(async () => {
      const kind = await this.tableKind(table);
      if (kind === undefined) return undefined;
      const constraints = await this.query<{ kind: string; cols: string[]; ref_table: string | null; ref_cols: string[] | null }>(
        `SELECT constraint_type AS kind, constraint_column_names AS cols, referenced_table AS ref_table,
                referenced_column_names AS ref_cols
           FROM duckdb_constraints() WHERE schema_name = 'main' AND table_name = ?
          ORDER BY constraint_index`,
        [table],
      );
      const indexes = (
        await this.query<{ name: string; unique: boolean; expressions: string | null }>(
          `SELECT index_name AS name, is_unique AS "unique", expressions FROM duckdb_indexes()
            WHERE schema_name = 'main' AND table_name = ? ORDER BY index_name`,
          [table],
        )
      ).map((index) => ({ name: index.name, unique: index.unique, columns: parseExpressionList(index.expressions) }));
      for (const c of constraints) {
        if (c.kind === 'PRIMARY KEY' || c.kind === 'UNIQUE') {
          const suffix = c.kind === 'PRIMARY KEY' ? 'pkey' : 'key';
          indexes.push({ name: `${table}_${c.cols.join('_')}_${suffix}`, unique: true, columns: c.cols });
        }
      }
      const foreignKeys = constraints
        .filter((c) => c.kind === 'FOREIGN KEY')
        .map((c) => ({ columns: c.cols, references_table: c.ref_table ?? '', references_columns: c.ref_cols ?? [] }));
      const count = await this.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${quoteIdentifier(table)}`);
      return {
        name: table,
        type: kind,
        columns: await this.columnsOf(table),
        indexes,
        foreign_keys: foreignKeys,
        row_count: Number(count[0]?.n ?? 0),
      };
    });
  }

  async transaction<T>(work: (tx: TransactionContext) => Promise<T>, _options: TransactionOptions = {}): Promise<T> {
    let wrote = false;
    const bind = async (sql: string, params: TxValue[]) => {
      const stmt = await this.prepare(sql);
      stmt.clearBindings();
      if (params.length > 0) stmt.bind(params.map((value) => (Buffer.isBuffer(value) ? blobValue(value) : value)));
      return stmt;
    };
    // Engine failures are mapped where they happen; what `work` throws itself passes through as it is.
    const mapped = (error: unknown) => {
      if (error instanceof Error && /^Constraint Error/i.test(error.message)) {
        return new DbForgeError('CONFLICT', `The write conflicts with stored data: ${error.message.split('\n')[0]}`, { cause: error });
      }
      return mapDuckDbError(error, this.timeoutMs);
    };
    const tx: TransactionContext = {
      all: async (sql, params = []) => {
        try {
          const reader = await (await bind(sql, params)).runAndReadAll();
          return reader.convertRowObjects(toJson) as Record<string, unknown>[];
        } catch (error) {
          throw mapped(error);
        }
      },
      run: async (sql, params = []) => {
        wrote = true;
        try {
          // Prepared statements keep the catalogue they were bound against: after DDL, none of them is reused.
          if (/^\s*(CREATE|DROP|ALTER)\b/i.test(sql)) this.clearStatements();
          return Number((await (await bind(sql, params)).run()).rowsChanged);
        } catch (error) {
          throw mapped(error);
        }
      },
      syncCapture: async () => undefined,
    };
    const value = await this.serial(() =>
      this.withDeadline(async () => {
        const before = this.cacheGeneration;
        try {
          await this.connection.run('BEGIN TRANSACTION');
        } catch (error) {
          throw mapped(error);
        }
        let value: T;
        try {
          value = await work(tx);
        } catch (error) {
          await this.connection.run('ROLLBACK').catch(() => undefined);
          // A rolled-back DDL leaves statements prepared against tables that never were.
          if (this.cacheGeneration !== before) this.clearStatements();
          throw error;
        }
        try {
          await this.connection.run('COMMIT');
        } catch (error) {
          await this.connection.run('ROLLBACK').catch(() => undefined);
          throw mapped(error);
        }
        return value;
      }),
    );
    if (wrote) this.committed();
    return value;
  }

  sizeBytes(): number {
    let total = 0;
    for (const suffix of ['', '.wal']) {
      try {
        total += fs.statSync(this.file + suffix).size;
      } catch {
        // not there: nothing to count
      }
    }
    return total;
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      for (const stmt of this.cache.values()) stmt.destroySync();
      this.cache.clear();
      await this.connection.run('CHECKPOINT').catch(() => undefined);
      this.connection.closeSync();
      this.instance.closeSync();
    });
  }
}

/** `duckdb_indexes().expressions` is a list rendered as text, such as `[a, "b c"]`. */
function parseExpressionList(text: string | null): string[] {
  if (!text) return [];
  const inner = text.replace(/^\[/, '').replace(/\]$/, '');
  return inner
    .split(',')
    .map((part) => part.trim().replace(/^"(.*)"$/, '$1'))
    .filter((part) => part.length > 0);
}

function approximateJsonBytes(row: Record<string, unknown>): number {
  let bytes = 2;
  for (const key in row) {
    const value = row[key];
    bytes += key.length + 4;
    if (typeof value === 'string') bytes += value.length + 2;
    else if (value === null) bytes += 4;
    else if (typeof value === 'number' || typeof value === 'boolean') bytes += 12;
    else bytes += JSON.stringify(value).length;
  }
  return bytes;
}
