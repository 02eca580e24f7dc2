import 'server-only';
import { gatewayUrl } from './config';
import { isTokensReply } from './credentials';
import { TokenRefresher, type RefreshOutcome } from './token-refresher';

/** The gateway's sign-in routes, called by the console's server only: their replies carry tokens. */
const AUTH_TIMEOUT_MS = 10_000;

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${gatewayUrl()}${path}`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify(body),
    cache: 'no-store',
    redirect: 'manual',
    signal: AbortSignal.timeout(AUTH_TIMEOUT_MS),
  });
}

/** POST /auth/login, answered as it came (the caller reads the tokens or passes the refusal on). */
export function requestLogin(email: string, password: string): Promise<Response> {
  return post('/auth/login', { email, password });
}

/** GET /auth/me with an API key, to check it at sign-in. */
export function requestWhoAmI(headers: Record<string, string>): Promise<Response> {
  return fetch(`${gatewayUrl()}/auth/me`, {
    headers: { accept: 'application/json', ...headers },
    cache: 'no-store',
    redirect: 'manual',
    signal: AbortSignal.timeout(AUTH_TIMEOUT_MS),
  });
}

/**
 * POST /auth/refresh. A refusal (the token was used, revoked or has expired) is an answer; anything else that is not
 * a new pair (the gateway down or failing) throws, so a passing outage does not sign anyone out.
 */
export async function exchangeRefreshToken(refreshToken: string): Promise<RefreshOutcome> {
  const reply = await post('/auth/refresh', { refresh_token: refreshToken });
  if (reply.status === 401 || reply.status === 422) {
    await reply.body?.cancel();
    return { ok: false };
  }
  const body: unknown = await reply.json().catch(() => undefined);
  if (reply.ok && isTokensReply(body)) return { ok: true, tokens: body };
  throw new Error(`the gateway answered HTTP ${reply.status} to a token refresh`);
}

/** POST /auth/logout: revokes the refresh token. Best effort; the cookie is cleared whatever happens. */
export async function revokeRefreshToken(refreshToken: string): Promise<void> {
  tokenRefresher().forget(refreshToken);
  try {
    const reply = await post('/auth/logout', { refresh_token: refreshToken });
    await reply.body?.cancel();
    if (reply.status !== 204) console.error({ status: reply.status }, 'the gateway did not revoke the refresh token');
  } catch (error) {
    console.error({ err: (error as Error).message }, 'the refresh token could not be revoked: gateway unreachable');
  }
}

const REFRESHER = Symbol.for('dbforge.console.tokenRefresher');

/**
 * The process's one refresher. Kept on globalThis because Next.js may bundle a module once per route, and every route
 * of the process must share the same memory of recent refreshes.
 */
export function tokenRefresher(): TokenRefresher {
  const store = globalThis as typeof globalThis & { [REFRESHER]?: TokenRefresher };
  store[REFRESHER] ??= new TokenRefresher(exchangeRefreshToken);
  return store[REFRESHER];
}
