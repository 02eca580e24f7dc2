import 'server-only';
import {
  accessTokenIsStale,
  credentialHeaders,
  sessionCredential,
  userTokensFrom,
  type Credential,
  type SessionData,
  type UserTokens,
} from './credentials';
import type { TokenRefresher } from './token-refresher';

/** The session as the call needs it: its data, and writing or clearing the cookie. */
export interface SessionHandle {
  data: SessionData;
  save(): Promise<void>;
  destroy(): void;
}

export interface AuthorizedCallOptions {
  refresher: Pick<TokenRefresher, 'refresh'>;
  now?: () => number;
}

/**
 * Sends one call to the gateway with the session's credential, refreshing a user's access token when it has
 * expired (or is about to) and once more when the gateway refuses it, then retrying. A new pair of tokens is written
 * to the cookie. Answers the gateway's reply; or null when the session is gone or its refresh token was refused
 * (the cookie is then cleared, and the browser is sent to sign in).
 *
 * `send` may be called twice: the caller keeps the request's body to send it again.
 */
export async function authorizedCall(
  session: SessionHandle,
  send: (headers: Record<string, string>) => Promise<Response>,
  { refresher, now = Date.now }: AuthorizedCallOptions,
): Promise<Response | null> {
  let credential: Credential | undefined = sessionCredential(session.data, now());
  if (credential === undefined) {
    if (session.data.apiKey !== undefined || session.data.user !== undefined) session.destroy();
    return null;
  }

  async function renew(tokens: UserTokens): Promise<Credential | undefined> {
    const outcome = await refresher.refresh(tokens.refreshToken);
    if (!outcome.ok) {
      session.destroy();
      return undefined;
    }
    const renewed = userTokensFrom(outcome.tokens, tokens.email, now());
    session.data.user = renewed;
    await session.save();
    return { kind: 'user', tokens: renewed };
  }

  let refreshed = false;
  if (credential.kind === 'user' && accessTokenIsStale(credential.tokens, now())) {
    credential = await renew(credential.tokens);
    if (credential === undefined) return null;
    refreshed = true;
  }

  let reply = await send(credentialHeaders(credential));
  if (reply.status !== 401) return reply;

  // Refused: an access token the gateway no longer takes (it expired early by the gateway's clock, or its signing
  // secret changed) is worth one refresh; an API key that is refused has been revoked or rotated.
  if (credential.kind === 'user' && !refreshed) {
    await reply.body?.cancel();
    credential = await renew(credential.tokens);
    if (credential === undefined) return null;
    reply = await send(credentialHeaders(credential));
    if (reply.status !== 401) return reply;
  }
  session.destroy();
  return reply;
}
