import { DbForgeError, isReservedTableName, isValidIdentifier, quoteIdentifier } from '@dbforge/contracts';
import type { ColumnDefinition, EngineName, FieldProblem } from '@dbforge/contracts';

/**
 * Column types accepted by the create-table API: SQLite's affinities and the names people usually write. Anything
 * else is refused, so a type can never smuggle SQL into the statement.
 */
const PLAIN_TYPES = new Set([
  'INTEGER',
  'INT',
  'BIGINT',
  'SMALLINT',
  'TINYINT',
  'REAL',
  'DOUBLE',
  'DOUBLE PRECISION',
  'FLOAT',
  'NUMERIC',
  'DECIMAL',
  'TEXT',
  'CLOB',
  'BLOB',
  'BOOLEAN',
  'BOOL',
  'DATE',
  'DATETIME',
  'TIMESTAMP',
  'TIME',
  'JSON',
  'UUID',
  'VARCHAR',
  'CHAR',
]);
const SIZED_TYPES = new Set(['VARCHAR', 'CHAR', 'CHARACTER', 'NVARCHAR', 'NCHAR']);
const PRECISION_TYPES = new Set(['DECIMAL', 'NUMERIC']);

/** Types with a numeric affinity: a default that looks like a number is written as a number. */
const NUMERIC_TYPES = new Set([
  'INTEGER',
  'INT',
  'BIGINT',
  'SMALLINT',
  'TINYINT',
  'REAL',
  'DOUBLE',
  'DOUBLE PRECISION',
  'FLOAT',
  'NUMERIC',
  'DECIMAL',
]);

const TYPE_RE = /^\s*([A-Za-z]+(?:\s+[A-Za-z]+)?)\s*(?:\(\s*(\d{1,5})\s*(?:,\s*(\d{1,5})\s*)?\))?\s*$/;

export const ACCEPTED_TYPES_HINT =
  'INTEGER, INT, BIGINT, SMALLINT, TINYINT, REAL, DOUBLE, FLOAT, NUMERIC, DECIMAL(p,s), TEXT, CLOB, VARCHAR(n), ' +
  'CHAR(n), BLOB, BOOLEAN, DATE, DATETIME, TIMESTAMP, TIME, JSON, UUID';

interface ParsedType {
  base: string;
  size?: number | undefined;
  scale?: number | undefined;
}

export function parseColumnType(text: string): ParsedType | undefined {
  const match = TYPE_RE.exec(text);
  if (!match) return undefined;
  const base = match[1]!.toUpperCase().replace(/\s+/g, ' ');
  const size = match[2] === undefined ? undefined : Number(match[2]);
  const scale = match[3] === undefined ? undefined : Number(match[3]);
  if (size === undefined) return PLAIN_TYPES.has(base) ? { base } : undefined;
  if (SIZED_TYPES.has(base) && scale === undefined && size > 0) return { base, size };
  if (PRECISION_TYPES.has(base) && size >= 1 && size <= 38 && (scale === undefined || scale <= size)) {
    return { base, size, scale };
  }
  return undefined;
}

/** The type as written in the engine's DDL. */
export function renderColumnType(type: ParsedType, engine: EngineName): string {
  const args = type.size === undefined ? '' : type.scale === undefined ? `(${type.size})` : `(${type.size},${type.scale})`;
  if (engine === 'sqlite') return `${type.base}${args}`;
  switch (type.base) {
    case 'DATETIME':
      return 'TIMESTAMP';
    case 'CLOB':
    case 'TEXT':
      return 'VARCHAR';
    case 'CHARACTER':
    case 'NCHAR':
    case 'NVARCHAR':
    case 'CHAR':
      return 'VARCHAR';
    default:
      return `${type.base}${args}`;
  }
}

const KEYWORD_DEFAULTS = new Set(['CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME', 'NULL']);
const QUOTED_LITERAL_RE = /^'(?:[^']|'')*'$/;
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A default rendered as a literal or one of the allowed keywords: never raw text from the request. */
export function renderDefault(value: string | number | boolean | null, type: ParsedType, engine: EngineName): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return engine === 'duckdb' ? (value ? 'TRUE' : 'FALSE') : value ? '1' : '0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('non-finite default');
    return String(value);
  }
  const upper = value.trim().toUpperCase();
  if (KEYWORD_DEFAULTS.has(upper)) return upper;
  if ((type.base === 'BOOLEAN' || type.base === 'BOOL') && (upper === 'TRUE' || upper === 'FALSE')) {
    return engine === 'duckdb' ? upper : upper === 'TRUE' ? '1' : '0';
  }
  // MK1 clients sent defaults as SQL text, often already quoted: a well-formed quoted literal is kept as it is.
  if (QUOTED_LITERAL_RE.test(value)) return value;
  if (NUMERIC_TYPES.has(type.base) && NUMBER_RE.test(value.trim())) return value.trim();
  return `'${value.replaceAll("'", "''")}'`;
}

/** Validates a create-table request and renders its DDL; every problem is reported at once. */
export function buildCreateTable(table: string, columns: ColumnDefinition[], engine: EngineName): string {
  const problems: FieldProblem[] = [];
  if (!isValidIdentifier(table)) {
    problems.push({ field: 'body.table_name', message: 'must be letters, digits and _, not starting with a digit' });
  } else if (isReservedTableName(table)) {
    problems.push({ field: 'body.table_name', message: 'uses a prefix reserved for the engine or DB-Forge' });
  }
  const seen = new Set<string>();
  const parts: string[] = [];
  const primary = columns.filter((c) => c.primary_key).map((c) => c.name);
  columns.forEach((column, i) => {
    const where = `body.columns[${i}]`;
    if (!isValidIdentifier(column.name)) {
      problems.push({ field: `${where}.name`, message: 'must be letters, digits and _, not starting with a digit' });
    } else if (seen.has(column.name.toLowerCase())) {
      problems.push({ field: `${where}.name`, message: `repeats the column '${column.name}'` });
    }
    seen.add(column.name.toLowerCase());
    const type = parseColumnType(column.type);
    if (type === undefined) {
      problems.push({ field: `${where}.type`, message: `'${column.type}' is not an accepted type (${ACCEPTED_TYPES_HINT})` });
      return;
    }
    if (typeof column.default === 'string' && column.default.includes('\u0000')) {
      problems.push({ field: `${where}.default`, message: 'must not contain a NUL character' });
      return;
    }
    let part = `${quoteIdentifier(column.name)} ${renderColumnType(type, engine)}`;
    // A single key column is declared inline, so that an INTEGER PRIMARY KEY is SQLite's rowid alias.
    if (column.primary_key && primary.length === 1) part += ' PRIMARY KEY';
    if (column.not_null) part += ' NOT NULL';
    if (column.unique) part += ' UNIQUE';
    if (column.default !== undefined) part += ` DEFAULT ${renderDefault(column.default, type, engine)}`;
    parts.push(part);
  });
  if (problems.length > 0) {
    throw new DbForgeError('VALIDATION_ERROR', describeProblems(problems), { details: problems });
  }
  if (primary.length > 1) {
    parts.push(`PRIMARY KEY (${primary.map(quoteIdentifier).join(', ')})`);
  }
  return `CREATE TABLE ${quoteIdentifier(table)} (${parts.join(', ')})`;
}

export function describeProblems(problems: FieldProblem[]): string {
  if (problems.length === 1) return `Invalid request: ${problems[0]!.field} ${problems[0]!.message}.`;
  return `Invalid request: ${problems.length} problems: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}.`;
}
