import { describe, expect, it } from 'vitest';
import { parseSignInBody } from '@/server/sign-in-body';

describe('what the sign-in form posts', () => {
  it.each([
    [{ api_key: ' key ' }, { ok: true, method: 'key', apiKey: 'key' }],
    [{ api_key: '' }, { ok: false }],
    [{ api_key: 'k'.repeat(513) }, { ok: false }],
    [{ api_key: 42 }, { ok: false }],
    [{ email: ' ada@example.com ', password: ' pass phrase ' }, { ok: true, method: 'password', email: 'ada@example.com', password: ' pass phrase ' }],
    [{ email: 'ada@example.com', password: '' }, { ok: false, message: 'Invalid request: body.password must be 1 to 256 characters.' }],
    [{ email: '', password: '' }, { ok: false, message: 'Invalid request: body.email must be 1 to 254 characters; body.password must be 1 to 256 characters.' }],
    [{ email: 'a'.repeat(255), password: 'x' }, { ok: false }],
    [{ email: 'a@b', password: 'x'.repeat(257) }, { ok: false }],
    [{}, { ok: false, message: 'Invalid request: send { api_key } or { email, password }.' }],
    [null, { ok: false }],
    ['text', { ok: false }],
  ])('%j → %j', (body, expected) => {
    expect(parseSignInBody(body)).toMatchObject(expected);
  });
});
