import { describe, expect, it } from 'vitest';
import { coerceInput, checkFieldValue, type FieldDef } from '../src/index.js';
import { parseResourceYaml } from '../src/resources/parse.js';
import { normalizeDocuments } from '../src/resources/normalize.js';

/** A field as the engine sees it, from its YAML spec. */
function field(spec: Record<string, unknown>): FieldDef {
  const parsed = parseResourceYaml(`resource: t\nfields:\n  f: ${JSON.stringify(spec)}\n`);
  expect(parsed.problems).toEqual([]);
  const normalized = normalizeDocuments(parsed.documents);
  expect(normalized.problems).toEqual([]);
  return normalized.resources[0]!.resource.fields.find((f) => f.name === 'f')!;
}

// Each row: the field's spec, a value a client sends, and what it becomes (ok) or why it is refused.
const CASES: [string, Record<string, unknown>, unknown, { ok: unknown } | { error: string }][] = [
  ['string', { type: 'string' }, 'hello', { ok: 'hello' }],
  ['string not a number', { type: 'string' }, 5, { error: 'must be a string' }],
  ['string max_length', { type: 'string', max_length: 3 }, 'abcd', { error: 'must be at most 3 characters' }],
  ['string min_length', { type: 'string', min_length: 2 }, 'a', { error: 'must be at least 2 characters' }],
  ['string length counts characters, not bytes', { type: 'string', max_length: 2 }, 'éé', { ok: 'éé' }],
  ['string pattern', { type: 'string', pattern: '^[a-z]+$' }, 'ABC', { error: 'must match the pattern ^[a-z]+$' }],
  ['text', { type: 'text' }, 'long text', { ok: 'long text' }],
  ['email', { type: 'email' }, 'ada@example.com', { ok: 'ada@example.com' }],
  ['email without domain', { type: 'email' }, 'ada@', { error: 'must be an email address' }],
  ['email with spaces', { type: 'email' }, 'a da@example.com', { error: 'must be an email address' }],
  ['url', { type: 'url' }, 'https://example.com/x?y=1', { ok: 'https://example.com/x?y=1' }],
  ['url without scheme', { type: 'url' }, 'example.com', { error: 'must be an http or https URL' }],
  ['url javascript:', { type: 'url' }, 'javascript:alert(1)', { error: 'must be an http or https URL' }],
  ['integer', { type: 'integer' }, 42, { ok: 42 }],
  ['integer not 4.2', { type: 'integer' }, 4.2, { error: 'must be an integer' }],
  ['integer not "42"', { type: 'integer' }, '42', { error: 'must be an integer' }],
  ['integer min', { type: 'integer', min: 1 }, 0, { error: 'must be at least 1' }],
  ['integer max', { type: 'integer', max: 5 }, 6, { error: 'must be at most 5' }],
  ['integer beyond 2^53', { type: 'integer' }, 2 ** 53, { error: 'must be between -(2^53 - 1) and 2^53 - 1 (use bigint)' }],
  ['bigint as text', { type: 'bigint' }, '9007199254740993', { ok: '9007199254740993' }],
  ['bigint small', { type: 'bigint' }, 7, { ok: 7 }],
  ['bigint beyond 64 bits', { type: 'bigint' }, '99999999999999999999', { error: 'must fit in 64 bits' }],
  ['decimal', { type: 'decimal', precision: 6, scale: 2 }, 12.5, { ok: '12.5' }],
  ['decimal text', { type: 'decimal', precision: 6, scale: 2 }, '0012.50', { ok: '0012.50' }],
  ['decimal scale', { type: 'decimal', precision: 6, scale: 2 }, 1.234, { error: 'must have at most 2 decimal places' }],
  ['decimal precision', { type: 'decimal', precision: 4, scale: 2 }, 123.4, { error: 'must have at most 2 digits before the decimal point' }],
  ['decimal min', { type: 'decimal', min: 0 }, -1, { error: 'must be at least 0' }],
  ['decimal not a number', { type: 'decimal' }, 'abc', { error: 'must be a number' }],
  ['boolean', { type: 'boolean' }, false, { ok: false }],
  ['boolean not "true"', { type: 'boolean' }, 'true', { error: 'must be true or false' }],
  ['timestamp with zone', { type: 'timestamp' }, '2025-01-31T10:00:00+02:00', { ok: '2025-01-31T08:00:00.000Z' }],
  ['timestamp without zone is UTC', { type: 'datetime' }, '2025-01-31 10:00', { ok: '2025-01-31T10:00:00.000Z' }],
  ['timestamp impossible day', { type: 'timestamp' }, '2025-02-30T00:00:00Z', { error: 'must be a date and time in ISO 8601 (2025-01-31T09:30:00Z)' }],
  ['date', { type: 'date' }, '2024-02-29', { ok: '2024-02-29' }],
  ['date not a leap day', { type: 'date' }, '2025-02-29', { error: 'must be a date (2025-01-31)' }],
  ['select', { type: 'select', options: ['a', 'b'] }, 'b', { ok: 'b' }],
  ['select outside options', { type: 'select', options: ['a', 'b'] }, 'c', { error: 'must be one of "a", "b"' }],
  ['enum (DBAL values)', { type: 'enum', values: ['x'] }, 'x', { ok: 'x' }],
  ['json object', { type: 'json' }, { a: [1] }, { ok: { a: [1] } }],
  ['json scalar', { type: 'json' }, 3, { ok: 3 }],
  ['uuid', { type: 'uuid' }, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', { ok: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' }],
  ['uuid malformed', { type: 'uuid' }, '1234', { error: 'must be a UUID' }],
  ['cuid', { type: 'cuid' }, 'cjld2cjxh0000qzrmn831i7rn', { ok: 'cjld2cjxh0000qzrmn831i7rn' }],
  ['cuid malformed', { type: 'cuid' }, 'X', { error: 'must be a cuid' }],
  ['password', { type: 'password', min_length: 8 }, 'short', { error: 'must be at least 8 characters' }],
  ['file is uploaded, not sent', { type: 'file' }, 'x', { error: 'is uploaded with PUT .../{id}/files/{field}, not in the record' }],
  ['foreign_key', { type: 'foreign_key', references: 'users' }, 3, { ok: 3 }],
  ['many_to_many', { type: 'many_to_many', references: 'tags' }, [1, 2, 2], { ok: [1, 2] }],
  ['many_to_many not a list', { type: 'many_to_many', references: 'tags' }, 1, { error: 'must be a list of ids' }],
];

describe('field values', () => {
  it.each(CASES)('%s', (_name, spec, value, expected) => {
    const result = coerceInput(field(spec), value);
    if ('ok' in expected) expect(result).toEqual({ ok: true, value: expected.ok });
    else expect(result).toEqual({ ok: false, message: expected.error });
  });

  it.each([
    [{ type: 'string' }, null, undefined],
    [{ type: 'string', required: true }, null, 'must not be null'],
    [{ type: 'string', nullable: false }, null, 'must not be null'],
  ])('null for %j', (spec, value, message) => {
    expect(checkFieldValue(field(spec), value)).toBe(message);
  });
});
