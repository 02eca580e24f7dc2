import { describe, expect, it } from 'vitest';
import { DbForgeError } from '@dbforge/contracts';
import { assertStatementAllowed, leadingWords } from '../src/index.js';
import { explainAnalyzeTarget } from '../src/sql-guard.js';

function refusal(sql: string, engine: 'sqlite' | 'duckdb' = 'sqlite'): string | undefined {
  try {
    assertStatementAllowed(sql, engine);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(DbForgeError);
    return (error as DbForgeError).code;
  }
}

describe('explainAnalyzeTarget', () => {
  it.each([
    ['EXPLAIN ANALYZE INSERT INTO t VALUES (1)', 'INSERT INTO t VALUES (1)'],
    ['explain analyse delete from t', 'delete from t'],
    ['EXPLAIN (ANALYZE) UPDATE t SET a = 1', 'UPDATE t SET a = 1'],
    ['EXPLAIN (FORMAT JSON, ANALYZE true) "select" 1', '"select" 1'],
    ['; /* x */ EXPLAIN ANALYZE WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a', 'WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a'],
  ])('finds the statement %s runs', (sql, target) => {
    expect(explainAnalyzeTarget(sql)).toBe(target);
  });

  it.each(['EXPLAIN SELECT 1', 'EXPLAIN (FORMAT JSON) SELECT 1', 'SELECT 1', 'ANALYZE'])('is undefined for %s', (sql) => {
    expect(explainAnalyzeTarget(sql)).toBeUndefined();
  });
});

describe('leadingWords', () => {
  it('skips comments and whitespace and keeps quoted tokens opaque', () => {
    expect(leadingWords("  -- hello\n /* ATTACH */ select 'attach' , \"x\"")).toEqual(['SELECT', "'STRING'", ',', '"IDENT"']);
  });
  it('handles doubled quotes inside strings', () => {
    expect(leadingWords("select 'it''s' from t")).toEqual(['SELECT', "'STRING'", 'FROM', 'T']);
  });
});

describe('assertStatementAllowed', () => {
  it.each([
    ["ATTACH DATABASE '/etc/passwd' AS x", 'FORBIDDEN'],
    ["  /* sneaky */ attach 'file:/tmp/x.db' as y", 'FORBIDDEN'],
    ['-- comment\nDETACH x', 'FORBIDDEN'],
    ["VACUUM INTO '/tmp/copy.db'", 'FORBIDDEN'],
    ["vacuum main into '/tmp/copy.db'", 'FORBIDDEN'],
    ['PRAGMA journal_mode = DELETE', 'FORBIDDEN'],
    ['pragma main.synchronous=OFF', 'FORBIDDEN'],
    ['PRAGMA writable_schema(1)', 'FORBIDDEN'],
    // Settings of the shared connection: one caller's would be everyone's.
    ['PRAGMA foreign_keys = OFF', 'FORBIDDEN'],
    ['PRAGMA ignore_check_constraints = ON', 'FORBIDDEN'],
    ['PRAGMA recursive_triggers(1)', 'FORBIDDEN'],
    ['PRAGMA cache_size = -2000000', 'FORBIDDEN'],
    ['BEGIN', 'BAD_REQUEST'],
    ['begin immediate transaction', 'BAD_REQUEST'],
    ['COMMIT', 'BAD_REQUEST'],
    ['SAVEPOINT a', 'BAD_REQUEST'],
    ["EXPLAIN ATTACH 'x' AS y", 'FORBIDDEN'],
    // Empty statements and a byte-order mark before the statement are skipped by SQLite: they must not hide it.
    [";ATTACH '/tmp/other.db' AS x", 'FORBIDDEN'],
    [" ; ;/* */; ATTACH ':memory:' AS x", 'FORBIDDEN'],
    ["\uFEFFATTACH ':memory:' AS a", 'FORBIDDEN'],
    [';PRAGMA max_page_count = 100000000', 'FORBIDDEN'],
    ['\uFEFFPRAGMA recursive_triggers = OFF', 'FORBIDDEN'],
    [';BEGIN', 'BAD_REQUEST'],
    [';COMMIT', 'BAD_REQUEST'],
    // Temporary objects live on the connection every caller shares.
    ['CREATE TEMP TABLE t (id INTEGER PRIMARY KEY)', 'FORBIDDEN'],
    ['create temporary view v as select 1', 'FORBIDDEN'],
    ['CREATE TEMP TRIGGER rb BEFORE INSERT ON main.u BEGIN SELECT RAISE(ROLLBACK, 1); END', 'FORBIDDEN'],
    ['CREATE TABLE temp.t (a)', 'FORBIDDEN'],
    ['CREATE TABLE IF NOT EXISTS "temp" . t (a)', 'FORBIDDEN'],
    ['CREATE INDEX temp.i ON t (a)', 'FORBIDDEN'],
    // The engine's own functions: sealing with the field key, the capture's context.
    ["UPDATE customers SET note = dbforge_seal('forged', 'customers.note')", 'FORBIDDEN'],
    ['SELECT "DBFORGE_ACTOR_ID"()', 'FORBIDDEN'],
  ])('refuses %s on SQLite', (sql, code) => {
    expect(refusal(sql)).toBe(code);
  });

  it.each([
    'SELECT 1',
    'PRAGMA journal_mode',
    'PRAGMA table_info(users)',
    'PRAGMA foreign_keys',
    'PRAGMA user_version = 7',
    'PRAGMA main.index_list(users)',
    'VACUUM',
    "SELECT 'ATTACH DATABASE' AS text",
    'WITH x AS (SELECT 1) SELECT * FROM x',
    'CREATE TABLE "attach" (a)',
    'EXPLAIN QUERY PLAN SELECT 1',
    'CREATE TABLE temp (a)',
    'CREATE TABLE main.temperature (a)',
    "SELECT 'dbforge_seal(x)' AS text, dbforge_note FROM t",
  ])('allows %s on SQLite', (sql) => {
    expect(refusal(sql)).toBeUndefined();
  });

  it.each([
    ['INSTALL httpfs', 'FORBIDDEN'],
    ['LOAD httpfs', 'FORBIDDEN'],
    ["COPY t TO '/tmp/out.csv'", 'FORBIDDEN'],
    ["EXPORT DATABASE '/tmp/x'", 'FORBIDDEN'],
    ['SET enable_external_access = true', 'FORBIDDEN'],
    ["ATTACH '/tmp/x.duckdb'", 'FORBIDDEN'],
    ['BEGIN TRANSACTION', 'BAD_REQUEST'],
    [';COMMIT', 'BAD_REQUEST'],
    ["\uFEFFATTACH ':memory:' AS a", 'FORBIDDEN'],
    ["; SELECT * FROM query('SELECT 1')", 'FORBIDDEN'],
    ["SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))", 'FORBIDDEN'],
    ['CREATE OR REPLACE TEMP TABLE t (a INT)', 'FORBIDDEN'],
    ['CREATE TABLE temp.main.t (a INT)', 'FORBIDDEN'],
  ])('refuses %s on DuckDB', (sql, code) => {
    expect(refusal(sql, 'duckdb')).toBe(code);
  });
});

describe('secret objects', () => {
  it.each([
    'SELECT * FROM _dbforge_secret_passwords',
    'SELECT password_hash FROM "_DBFORGE_SECRET_PASSWORDS"',
    "SELECT * FROM '_dbforge_secret_passwords'",
    'SELECT * FROM main.[_dbforge_secret_passwords]',
    'CREATE VIEW v AS SELECT * FROM `_dbforge_secret_passwords`',
    'WITH x AS (SELECT * FROM _dbforge_secret_passwords) SELECT * FROM x',
  ])('refuses naming them at all, even to read: %s', (sql) => {
    expect(refusal(sql)).toBe('FORBIDDEN');
    expect(refusal(sql, 'duckdb')).toBe('FORBIDDEN');
  });

  it("still lets the database's users be read and joined", () => {
    expect(refusal('SELECT u.email FROM _dbforge_users u JOIN orders o ON o.owner = u.id')).toBeUndefined();
  });
});

describe('DuckDB dynamic SQL and settings', () => {
  it.each([
    "SELECT * FROM query_table('_dbforge_' || 'secret_passwords')",
    "SELECT * FROM query('SELECT 1')",
    'SELECT * FROM "query_table"(\'t\')',
    "SELECT * FROM QUERY_TABLE (upper('t'))",
    "SELECT * FROM query/* a comment */('SELECT 1')",
    "SELECT * FROM main.query('SELECT 1')",
    "PRAGMA memory_limit = '64GB'",
    'PRAGMA threads(64)',
  ])('refuses %s', (sql) => {
    expect(refusal(sql, 'duckdb')).toBe('FORBIDDEN');
  });

  it.each(["SELECT 'query(1)' AS text", 'SELECT query_count FROM stats', 'PRAGMA table_info(t)', 'PRAGMA database_size'])('allows %s', (sql) => {
    expect(refusal(sql, 'duckdb')).toBeUndefined();
  });
});

