import { describe, expect, it } from 'vitest';
import { DbForgeError, errorEnvelope, isValidDatabaseName, quoteIdentifier, ERROR_STATUS } from '../src/index.js';

describe('isValidDatabaseName', () => {
  it.each(['a', 'inventory', 'A-1_b.c', '0day', 'x'.repeat(63), 'v1.2']) ('accepts %s', (name) => {
    expect(isValidDatabaseName(name)).toBe(true);
  });
  it.each(['', '.a', '_a', '-a', 'a..b', '..', 'a/b', 'a\\b', 'a b', 'x'.repeat(64), 'ä', 'a\u0000'])('refuses %j', (name) => {
    expect(isValidDatabaseName(name)).toBe(false);
  });
});

describe('errors', () => {
  it('renders the envelope with the MK1 detail', () => {
    expect(errorEnvelope('NOT_FOUND', 'Database not found.')).toEqual({
      error: { code: 'NOT_FOUND', message: 'Database not found.', status: 404 },
      detail: 'Database not found.',
    });
    expect(new DbForgeError('VALIDATION_ERROR', 'bad', { details: [{ field: 'body.x', message: 'is required' }] }).toEnvelope()).toEqual({
      error: { code: 'VALIDATION_ERROR', message: 'bad', status: 422, details: [{ field: 'body.x', message: 'is required' }] },
      detail: 'bad',
    });
  });
  it('gives every code the status the API documents', () => {
    expect(ERROR_STATUS).toMatchObject({
      BAD_REQUEST: 400, SQL_ERROR: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409,
      PAYLOAD_TOO_LARGE: 413, VALIDATION_ERROR: 422, RATE_LIMITED: 429, INTERNAL_ERROR: 500,
      CAPABILITY_NOT_SUPPORTED: 501, WORKER_UNAVAILABLE: 503, TIMEOUT: 504,
    });
  });
});

describe('quoteIdentifier', () => {
  it('doubles embedded quotes', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });
});
