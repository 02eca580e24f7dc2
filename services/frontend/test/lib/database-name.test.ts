import { isValidDatabaseName as gatewayAccepts } from '@dbforge/contracts';
import { describe, expect, it } from 'vitest';
import { databaseNameProblem, isValidDatabaseName } from '@/lib/database-name';

describe('database names checked as you type', () => {
  it.each([
    ['inventory', null],
    ['Shop.v2_test-1', null],
    ['9lives', null],
    ['a'.repeat(63), null],
    ['', 'Enter a name.'],
    ['a'.repeat(64), 'Use at most 63 characters.'],
    ['.hidden', 'Start with a letter or a digit.'],
    ['-dash', 'Start with a letter or a digit.'],
    ['_underscore', 'Start with a letter or a digit.'],
    ['has space', 'Use only letters, digits, “_”, “.” and “-” (no spaces).'],
    ['semi;colon', 'Use only letters, digits, “_”, “.” and “-” (no “;”).'],
    ['x/../etc', 'Use only letters, digits, “_”, “.” and “-” (no “/”).'],
    ['bad..name', 'Do not use “..” in a name.'],
  ])('%j → %j', (name, problem) => {
    expect(databaseNameProblem(name)).toBe(problem);
  });

  it.each(['inventory', 'a.b', 'a..b', '.a', 'A-1', 'é', 'a'.repeat(63), 'a'.repeat(64), 'x%2F', '0', 'a_', 'a.'])(
    'agrees with the gateway’s own rule on %j',
    (name) => {
      expect(isValidDatabaseName(name)).toBe(gatewayAccepts(name));
    },
  );
});
