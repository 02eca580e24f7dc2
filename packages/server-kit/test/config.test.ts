import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';

describe('readConfig', () => {
  const schema = Type.Object({
    DBFORGE_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000, description: 'a TCP port' }),
    DBFORGE_TOKEN_SECRET: Type.Optional(Type.String({ minLength: 32, description: 'at least 32 characters' })),
  });

  it('names the variable, what it takes and the value it got', () => {
    expect(() => readConfig(schema, { DBFORGE_PORT: 'eighty' })).toThrow(/DBFORGE_PORT: .*a TCP port.*got "eighty"/);
  });

  it("never shows a secret's value", () => {
    let message = '';
    try {
      readConfig(schema, { DBFORGE_TOKEN_SECRET: 'short-but-secret' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/DBFORGE_TOKEN_SECRET: .*at least 32 characters/);
    expect(message).not.toContain('short-but-secret');
  });
});
