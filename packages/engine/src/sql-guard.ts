import { DbForgeError } from '@dbforge/contracts';
import type { EngineName } from '@dbforge/contracts';
import { namesSecretObject, secretObjectRefused } from './events/reserved-writes.js';
import { scanSql } from './sql-lexer.js';

/**
 * Reads the leading keywords of one SQL statement, skipping whitespace and comments, so that statements which would
 * reach outside the database or break the worker's guarantees are refused before the engine sees them.
 *
 * SQLite decides a statement's kind from its first tokens, and both adapters run exactly one statement per call
 * (better-sqlite3 refuses more; the DuckDB adapter counts them with DuckDB's own parser), so the first tokens are
 * enough: ATTACH, DETACH, VACUUM and PRAGMA can't be nested inside another statement.
 */
export function leadingWords(sql: string, max = 8): string[] {
  const words: string[] = [];
  scanSql(sql, (kind, start, end) => {
    words.push(kind === 'word' ? sql.slice(start, end).toUpperCase() : kind === 'string' ? "'STRING'" : kind === 'ident' ? '"IDENT"' : sql[start]!);
    return words.length >= max;
  });
  return words;
}

/**
 * The statement an `EXPLAIN` that runs it explains (DuckDB: `EXPLAIN ANALYZE ...`, `EXPLAIN ANALYSE ...`, or `ANALYZE`
 * among the options in `EXPLAIN (...) ...`): the text after those words. Undefined for any other statement.
 */
export function explainAnalyzeTarget(sql: string): string | undefined {
  const ANALYZE = new Set(['ANALYZE', 'ANALYSE']);
  let step: 'explain' | 'next' | 'options' | 'rest' = 'explain';
  let analyzes = false;
  let depth = 0;
  let rest: string | undefined;
  scanSql(sql, (kind, start, end) => {
    const word = kind === 'word' ? sql.slice(start, end).toUpperCase() : '';
    const punct = kind === 'punct' ? sql[start] : '';
    switch (step) {
      case 'explain':
        if (word !== 'EXPLAIN') return true;
        step = 'next';
        return false;
      case 'next':
        if (ANALYZE.has(word)) {
          analyzes = true;
          step = 'rest';
          return false;
        }
        if (punct !== '(') return true;
        step = 'options';
        depth = 1;
        return false;
      case 'options':
        if (ANALYZE.has(word)) analyzes = true;
        if (punct === '(') depth++;
        if (punct === ')' && --depth === 0) step = 'rest';
        return false;
      case 'rest':
        // A quoted token's bounds exclude its opening quote.
        rest = sql.slice(kind === 'string' || kind === 'ident' ? start - 1 : start);
        return true;
    }
  });
  return analyzes ? (rest ?? '') : undefined;
}

const TRANSACTION_WORDS = new Set(['BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'START', 'ABORT']);

/**
 * The PRAGMAs a statement may give an argument or a value to: the ones that read something about a table or an index,
 * check the database, or set the database's own version numbers. Every other PRAGMA can be read but not set: settings
 * of the connection (foreign keys, CHECK constraints, journaling, durability, caches, triggers, ...) are DB-Forge's, and
 * the connection is shared by every caller of the database, so one caller's setting would be everyone's.
 */
const PRAGMAS_WITH_ARGUMENTS = new Set([
  'TABLE_INFO',
  'TABLE_XINFO',
  'TABLE_LIST',
  'INDEX_LIST',
  'INDEX_INFO',
  'INDEX_XINFO',
  'FOREIGN_KEY_LIST',
  'FOREIGN_KEY_CHECK',
  'INTEGRITY_CHECK',
  'QUICK_CHECK',
  'USER_VERSION',
  'APPLICATION_ID',
  'OPTIMIZE',
  'INCREMENTAL_VACUUM',
  'WAL_CHECKPOINT',
  'DEFER_FOREIGN_KEYS',
]);

/** DuckDB PRAGMAs that take an argument to read something (everything else with a value is a setting). */
const DUCKDB_PRAGMAS_WITH_ARGUMENTS = new Set(['TABLE_INFO', 'STORAGE_INFO', 'SHOW']);

// json_execute_serialized_sql runs a statement serialised by json_serialize_sql, which may be built at run time.
const DYNAMIC_SQL_FUNCTIONS = new Set(['query', 'query_table', 'json_execute_serialized_sql']);

/** Whether the statement calls a function whose name `matches` (given in lower case), bare or quoted. */
function callsFunction(sql: string, matches: (name: string) => boolean): boolean {
  let named = false;
  let found = false;
  scanSql(sql, (kind, start, end) => {
    if (named && kind === 'punct' && sql[start] === '(') return (found = true);
    named = (kind === 'word' || kind === 'ident') && matches(sql.slice(start, end).toLowerCase());
    return false;
  });
  return found;
}

/** The engine's own SQL functions (the event log's capture, sealing values with the field key) are not for callers. */
const ENGINE_FUNCTION_PREFIX = 'dbforge_';

/**
 * SQLite's own verdict behind the text checks: a statement that neither reads nor changes the database (better-sqlite3's
 * `readonly` without `reader`) is transaction control, ATTACH or DETACH, a PRAGMA setting (allowed or refused by its
 * name above) or REINDEX. Only the last two may run, whatever the text looked like to the guard.
 */
export function assertSqliteSessionStatement(sql: string): void {
  const first = leadingWords(sql, 1)[0];
  if (first !== 'PRAGMA' && first !== 'REINDEX') {
    throw refuse('This statement is not available through the API: transactions, ATTACH and DETACH are managed by DB-Forge.');
  }
}

const TEMP_SCHEMA = new Set(['temp', 'temporary']);

/**
 * Whether a CREATE statement makes a temporary object (`CREATE TEMP ...`, or a name in the `temp` schema). Temporary
 * objects live on the connection, which every caller of the database shares: a temporary table would hide the real one
 * of the same name from everyone (their writes kept nowhere, recorded nowhere), a temporary trigger would act on
 * everyone's writes.
 */
function createsTempObject(sql: string): boolean {
  const words: string[] = [];
  let previous: string | undefined;
  let found = false;
  scanSql(sql, (kind, start, end) => {
    const text = kind === 'punct' ? sql[start]! : sql.slice(start, end).toLowerCase();
    words.push(kind === 'word' ? text : '');
    if (words[0] !== 'create') return true;
    // CREATE TEMP ..., CREATE OR REPLACE TEMP ... (DuckDB)
    const keyword = words.length === 2 || (words.length === 4 && words[1] === 'or' && words[2] === 'replace');
    if (keyword && TEMP_SCHEMA.has(words[words.length - 1]!)) return (found = true);
    // a name in the temp schema: temp.t, "temp".t, temp.main.t
    if (text === '.' && previous !== undefined && TEMP_SCHEMA.has(previous)) return (found = true);
    previous = kind === 'word' || kind === 'ident' ? text : undefined;
    return false;
  });
  return found;
}

function refuse(message: string): DbForgeError {
  return new DbForgeError('FORBIDDEN', message);
}

/**
 * Verdicts of recent statements: a batch repeats one statement thousands of times, and applications send the same
 * few statements over and over. Only allowed statements are remembered (a refusal is rare and cheap to recompute).
 */
const allowed = { sqlite: new Set<string>(), duckdb: new Set<string>() };
const MEMO_LIMIT = 1000;

/** Throws FORBIDDEN or BAD_REQUEST for a statement DB-Forge does not run; returns for every other statement. */
export function assertStatementAllowed(sql: string, engine: EngineName): void {
  const memo = allowed[engine];
  if (memo.has(sql)) return;
  checkStatement(sql, engine);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  if (sql.length <= 4096) memo.add(sql);
}

function checkStatement(sql: string, engine: EngineName): void {
  if (namesSecretObject(sql)) throw secretObjectRefused();
  let words = leadingWords(sql);
  if (words[0] === 'EXPLAIN') {
    words = words[1] === 'QUERY' && words[2] === 'PLAN' ? words.slice(3) : words.slice(1);
    if (engine === 'duckdb' && words[0] === 'ANALYZE') words = words.slice(1);
  }
  const first = words[0];
  if (first === undefined) return;

  if (first === 'ATTACH' || first === 'DETACH') {
    throw refuse(`${first} is not allowed: a query can only reach its own database.`);
  }
  if (first === 'CREATE' && createsTempObject(sql)) {
    throw refuse(
      'Temporary tables, views, triggers and indexes are not available: the database connection is shared by every caller. Create a regular one (and drop it when done).',
    );
  }
  if (TRANSACTION_WORDS.has(first)) {
    throw new DbForgeError(
      'BAD_REQUEST',
      `Transaction control (${first}) is not available through the API: every query runs in its own transaction, ` +
        'and /batch runs a list of statements in one transaction, all or nothing.',
    );
  }
  if (engine === 'sqlite') {
    if (sql.toLowerCase().includes(ENGINE_FUNCTION_PREFIX) && callsFunction(sql, (name) => name.startsWith(ENGINE_FUNCTION_PREFIX))) {
      throw refuse("The dbforge_ functions are DB-Forge's own (the event log's capture): they can't be called from SQL.");
    }
    if (first === 'VACUUM' && words.includes('INTO')) {
      throw refuse('VACUUM INTO is not allowed: it writes a file outside the database.');
    }
    if (first === 'PRAGMA') {
      // PRAGMA [schema.]name [= value | (value)]
      let k = 1;
      if (words[k + 1] === '.') k += 2;
      const name = words[k];
      const next = words[k + 1];
      if (name !== undefined && !PRAGMAS_WITH_ARGUMENTS.has(name) && (next === '=' || next === '(')) {
        throw refuse(`PRAGMA ${name.toLowerCase()} is managed by DB-Forge: it can be read, not set.`);
      }
    }
  } else {
    if (first === 'INSTALL' || first === 'LOAD' || (first === 'FORCE' && words[1] === 'INSTALL')) {
      throw refuse('Installing or loading extensions is not allowed.');
    }
    if (first === 'EXPORT' || first === 'IMPORT' || first === 'COPY') {
      throw refuse(`${first} is not allowed: a query can't read or write files outside its own database.`);
    }
    if (first === 'SET' || first === 'RESET') {
      throw refuse(`${first} is not allowed: the database's settings are managed by DB-Forge.`);
    }
    if (first === 'PRAGMA') {
      const name = words[1];
      const next = words[2];
      if (name !== undefined && !DUCKDB_PRAGMAS_WITH_ARGUMENTS.has(name) && (next === '=' || next === '(')) {
        throw refuse(`PRAGMA ${name.toLowerCase()} is managed by DB-Forge: it can be read, not set.`);
      }
    }
    // Table functions that run SQL built at run time would get past every check made on the statement's text.
    if (callsFunction(sql, (name) => DYNAMIC_SQL_FUNCTIONS.has(name))) {
      throw refuse('query(), query_table() and json_execute_serialized_sql() are not allowed: write the SQL itself, so that it can be checked.');
    }
  }
}
