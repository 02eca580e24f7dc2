import 'server-only';
import type { TokensReply } from '@dbforge/contracts';
import type { SignedInAs } from '@/lib/signed-in-as';

export type { SignedInAs };

/** A session lasts a working day from sign-in, however often its access token is refreshed; then sign in again. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

/**
 * How long before its expiry an access token is exchanged. The expiry is reckoned on the console's clock from the
 * gateway's `expires_in`, so the margin covers the trip to the gateway, not clock drift. The default lifetime (15
 * minutes) is far above it; a lifetime shorter than the margin (a test setting) makes every call refresh first.
 */
export const ACCESS_TOKEN_REFRESH_MARGIN_MS = 10_000;

/** The tokens of a user who signed in with email and password. */
export interface UserTokens {
  /** Who signed in, as the gateway normalises it (trimmed, lower case); shown in the console's header. */
  email: string;
  accessToken: string;
  /** When the access token expires, in milliseconds since the epoch, by the console's clock. */
  accessExpiresAt: number;
  /** Works once: refreshing answers a new pair. Revoked at sign-out. */
  refreshToken: string;
  refreshExpiresAt: string;
}

/** What the session cookie holds. Sealed (encrypted and signed) by iron-session; never sent to the browser in the clear. */
export interface SessionData {
  /** The API key of a session signed in with one. */
  apiKey?: string;
  /** The tokens of a session signed in with email and password. */
  user?: UserTokens;
  /** When the session began (milliseconds since the epoch). Sessions from before this field count from their cookie. */
  signedInAt?: number;
}

export type Credential = { kind: 'key'; apiKey: string } | { kind: 'user'; tokens: UserTokens };

function isUserTokens(value: unknown): value is UserTokens {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.email === 'string' &&
    typeof v.accessToken === 'string' &&
    v.accessToken.length > 0 &&
    typeof v.accessExpiresAt === 'number' &&
    typeof v.refreshToken === 'string' &&
    v.refreshToken.length > 0 &&
    typeof v.refreshExpiresAt === 'string'
  );
}

/** The session's credential, or undefined when there is none or the session is older than SESSION_TTL_SECONDS. */
export function sessionCredential(data: SessionData, now: number = Date.now()): Credential | undefined {
  if (typeof data.signedInAt === 'number' && now >= data.signedInAt + SESSION_TTL_SECONDS * 1000) return undefined;
  if (isUserTokens(data.user)) return { kind: 'user', tokens: data.user };
  if (typeof data.apiKey === 'string' && data.apiKey.length > 0) return { kind: 'key', apiKey: data.apiKey };
  return undefined;
}

/** The headers that carry a credential to the gateway: an API key as X-API-Key (as MK1 did), a token as Bearer. */
export function credentialHeaders(credential: Credential): Record<string, string> {
  return credential.kind === 'key' ? { 'x-api-key': credential.apiKey } : { authorization: `Bearer ${credential.tokens.accessToken}` };
}

/** Whether the access token has expired, or is about to, and should be exchanged before it is used. */
export function accessTokenIsStale(tokens: UserTokens, now: number = Date.now()): boolean {
  return now >= tokens.accessExpiresAt - ACCESS_TOKEN_REFRESH_MARGIN_MS;
}

/** The session's record of a pair of tokens the gateway just answered. */
export function userTokensFrom(reply: TokensReply, email: string, now: number = Date.now()): UserTokens {
  return {
    email,
    accessToken: reply.access_token,
    accessExpiresAt: now + reply.expires_in * 1000,
    refreshToken: reply.refresh_token,
    refreshExpiresAt: reply.refresh_expires_at,
  };
}

/** Whether a gateway reply is a pair of tokens (the console trusts the gateway, not the shape of its bytes). */
export function isTokensReply(body: unknown): body is TokensReply {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return (
    typeof b.access_token === 'string' &&
    b.access_token.length > 0 &&
    typeof b.expires_in === 'number' &&
    typeof b.refresh_token === 'string' &&
    b.refresh_token.length > 0 &&
    typeof b.refresh_expires_at === 'string'
  );
}

export function signedInAs(credential: Credential): SignedInAs {
  return credential.kind === 'user' ? { kind: 'user', email: credential.tokens.email } : { kind: 'key' };
}

/**
 * The cookie's lifetime in seconds when it is written now: what is left of the session. Rewriting the cookie on a
 * refresh must not extend the session.
 */
export function remainingSessionSeconds(data: SessionData, now: number = Date.now()): number {
  if (typeof data.signedInAt !== 'number') return SESSION_TTL_SECONDS;
  return Math.max(0, Math.ceil((data.signedInAt + SESSION_TTL_SECONDS * 1000 - now) / 1000));
}
