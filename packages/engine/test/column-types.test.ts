import { describe, expect, it } from 'vitest';
import { DbForgeError } from '@dbforge/contracts';
import { buildCreateTable, parseColumnType, renderDefault } from '../src/index.js';

describe('parseColumnType', () => {
  it.each(['INTEGER', 'text', 'VARCHAR(255)', 'varchar ( 20 )', 'DECIMAL(10,2)', 'DOUBLE PRECISION', 'DATETIME', 'BOOLEAN'])(
    'accepts %s',
    (type) => expect(parseColumnType(type)).toBeDefined(),
  );
  it.each(['TEXT); DROP TABLE users; --', 'INTEGER PRIMARY KEY', 'VARCHAR(0)', 'DECIMAL(50,2)', 'GEOMETRY', 'TEXT CHECK(1)'])(
    'refuses %s',
    (type) => expect(parseColumnType(type)).toBeUndefined(),
  );
});

describe('renderDefault', () => {
  const text = parseColumnType('TEXT')!;
  const integer = parseColumnType('INTEGER')!;
  const bool = parseColumnType('BOOLEAN')!;
  it.each([
    ["it's", text, "'it''s'"],
    ["'); DROP TABLE x; --", text, "'''); DROP TABLE x; --'"],
    ['current_timestamp', text, 'CURRENT_TIMESTAMP'],
    ['NULL', text, 'NULL'],
    ["'kept'", text, "'kept'"],
    ['007', text, "'007'"],
    ['42', integer, '42'],
    ['1 + 1', integer, "'1 + 1'"],
    [3.5, integer, '3.5'],
    [true, bool, '1'],
    ['false', bool, '0'],
    [null, text, 'NULL'],
  ] as const)('renders %j safely', (value, type, expected) => {
    expect(renderDefault(value, type, 'sqlite')).toBe(expected);
  });
});

describe('buildCreateTable', () => {
  it('renders quoted identifiers, an inline integer key and constraints', () => {
    expect(
      buildCreateTable(
        'users',
        [
          { name: 'id', type: 'INTEGER', primary_key: true },
          { name: 'email', type: 'varchar(120)', not_null: true, unique: true },
          { name: 'created_at', type: 'DATETIME', default: 'CURRENT_TIMESTAMP' },
        ],
        'sqlite',
      ),
    ).toBe(
      'CREATE TABLE "users" ("id" INTEGER PRIMARY KEY, "email" VARCHAR(120) NOT NULL UNIQUE, "created_at" DATETIME DEFAULT CURRENT_TIMESTAMP)',
    );
  });

  it('uses a table constraint for a composite key and maps types for DuckDB', () => {
    expect(
      buildCreateTable(
        'pairs',
        [
          { name: 'a', type: 'TEXT', primary_key: true },
          { name: 'b', type: 'DATETIME', primary_key: true },
        ],
        'duckdb',
      ),
    ).toBe('CREATE TABLE "pairs" ("a" VARCHAR, "b" TIMESTAMP, PRIMARY KEY ("a", "b"))');
  });

  it('lists every problem at once', () => {
    try {
      buildCreateTable(
        'sqlite_master',
        [
          { name: '1bad', type: 'TEXT' },
          { name: 'ok', type: 'TEXT); DROP TABLE x' },
          { name: 'OK', type: 'TEXT' },
        ],
        'sqlite',
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DbForgeError);
      const e = error as DbForgeError;
      expect(e.code).toBe('VALIDATION_ERROR');
      expect((e.details as { field: string }[]).map((d) => d.field)).toEqual([
        'body.table_name',
        'body.columns[0].name',
        'body.columns[1].type',
        'body.columns[2].name',
      ]);
    }
  });
});
