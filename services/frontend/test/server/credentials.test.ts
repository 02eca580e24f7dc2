import { describe, expect, it } from 'vitest';
import {
  ACCESS_TOKEN_REFRESH_MARGIN_MS,
  SESSION_TTL_SECONDS,
  accessTokenIsStale,
  credentialHeaders,
  isTokensReply,
  remainingSessionSeconds,
  sessionCredential,
  signedInAs,
  userTokensFrom,
  type UserTokens,
} from '@/server/credentials';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const user: UserTokens = {
  email: 'ada@example.com',
  accessToken: 'aaa.bbb.ccc',
  accessExpiresAt: NOW + 600_000,
  refreshToken: 'refresh-1',
  refreshExpiresAt: '2026-12-23T12:00:00.000Z',
};

describe('the credential a session holds', () => {
  it.each([
    ['nothing', {}, undefined],
    ['an API key', { apiKey: 'k' }, { kind: 'key', apiKey: 'k' }],
    ['an empty API key', { apiKey: '' }, undefined],
    ['a user’s tokens', { user, signedInAt: NOW - 1000 }, { kind: 'user', tokens: user }],
    ['tokens with a part missing', { user: { ...user, refreshToken: '' } }, undefined],
    ['a key from before signedInAt existed', { apiKey: 'k' }, { kind: 'key', apiKey: 'k' }],
    ['a session past its twelve hours', { apiKey: 'k', signedInAt: NOW - SESSION_TTL_SECONDS * 1000 }, undefined],
    ['a session a second short of them', { apiKey: 'k', signedInAt: NOW - SESSION_TTL_SECONDS * 1000 + 1000 }, { kind: 'key', apiKey: 'k' }],
  ])('%s → %j', (_what, data, expected) => {
    expect(sessionCredential(data, NOW)).toEqual(expected);
  });

  it('prefers the user’s tokens when a cookie somehow holds both', () => {
    expect(sessionCredential({ apiKey: 'k', user }, NOW)?.kind).toBe('user');
  });

  it('goes to the gateway as X-API-Key for a key and as a Bearer token for a user', () => {
    expect(credentialHeaders({ kind: 'key', apiKey: 'k' })).toEqual({ 'x-api-key': 'k' });
    expect(credentialHeaders({ kind: 'user', tokens: user })).toEqual({ authorization: 'Bearer aaa.bbb.ccc' });
  });

  it('is shown as an email or as “API key”, never as the key', () => {
    expect(signedInAs({ kind: 'user', tokens: user })).toEqual({ kind: 'user', email: 'ada@example.com' });
    expect(signedInAs({ kind: 'key', apiKey: 'secret' })).toEqual({ kind: 'key' });
  });
});

describe('access token expiry', () => {
  it.each([
    [NOW, false],
    [user.accessExpiresAt - ACCESS_TOKEN_REFRESH_MARGIN_MS - 1, false],
    [user.accessExpiresAt - ACCESS_TOKEN_REFRESH_MARGIN_MS, true],
    [user.accessExpiresAt, true],
    [user.accessExpiresAt + 60_000, true],
  ])('at %d the token is stale: %s', (now, stale) => {
    expect(accessTokenIsStale(user, now)).toBe(stale);
  });

  it('is reckoned from expires_in on the console’s clock', () => {
    const reply = { access_token: 'x.y.z', token_type: 'Bearer' as const, expires_in: 900, refresh_token: 'r2', refresh_expires_at: '2026-12-01T00:00:00Z' };
    expect(userTokensFrom(reply, 'ada@example.com', NOW)).toEqual({
      email: 'ada@example.com',
      accessToken: 'x.y.z',
      accessExpiresAt: NOW + 900_000,
      refreshToken: 'r2',
      refreshExpiresAt: '2026-12-01T00:00:00Z',
    });
  });
});

describe('the gateway’s token reply', () => {
  const good = { access_token: 'x.y.z', token_type: 'Bearer', expires_in: 900, refresh_token: 'r', refresh_expires_at: 'then' };
  it.each([
    [good, true],
    [{ ...good, access_token: '' }, false],
    [{ ...good, expires_in: '900' }, false],
    [{ ...good, refresh_token: undefined }, false],
    [null, false],
    ['x', false],
  ])('%j is a pair of tokens: %s', (body, ok) => {
    expect(isTokensReply(body)).toBe(ok);
  });
});

describe('the cookie’s lifetime when it is rewritten', () => {
  it('is what is left of the session, so a refresh never extends it', () => {
    expect(remainingSessionSeconds({ signedInAt: NOW }, NOW)).toBe(SESSION_TTL_SECONDS);
    expect(remainingSessionSeconds({ signedInAt: NOW - 3_600_000 }, NOW)).toBe(SESSION_TTL_SECONDS - 3600);
    expect(remainingSessionSeconds({ signedInAt: NOW - SESSION_TTL_SECONDS * 1000 - 5 }, NOW)).toBe(0);
    expect(remainingSessionSeconds({}, NOW)).toBe(SESSION_TTL_SECONDS);
  });
});
