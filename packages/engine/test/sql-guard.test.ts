import { describe, expect, it } from 'vitest';
import { DbForgeError } from '@dbforge/contracts';
import { assertStatementAllowed, leadingWords } from '../src/index.js';

function refusal(sql: string, engine: 'sqlite' | 'duckdb' = 'sqlite'): string | undefined {
  try {
    assertStatementAllowed(sql, engine);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(DbForgeError);
    return (error as DbForgeError).code;
  }
}

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
    ['BEGIN', 'BAD_REQUEST'],
    ['begin immediate transaction', 'BAD_REQUEST'],
    ['COMMIT', 'BAD_REQUEST'],
    ['SAVEPOINT a', 'BAD_REQUEST'],
    ["EXPLAIN ATTACH 'x' AS y", 'FORBIDDEN'],
  ])('refuses %s on SQLite', (sql, code) => {
    expect(refusal(sql)).toBe(code);
  });

  it.each([
    'SELECT 1',
    'PRAGMA journal_mode',
    'PRAGMA table_info(users)',
    'PRAGMA foreign_keys = OFF',
    'VACUUM',
    "SELECT 'ATTACH DATABASE' AS text",
    'WITH x AS (SELECT 1) SELECT * FROM x',
    'CREATE TABLE "attach" (a)',
    'EXPLAIN QUERY PLAN SELECT 1',
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
  ])('refuses %s on DuckDB', (sql, code) => {
    expect(refusal(sql, 'duckdb')).toBe(code);
  });
});
