import { errorFromReply } from '../fetcher';

/**
 * The console's own session endpoint. The key, or the email and password, travel to the console's server once, at
 * sign-in, and nothing is answered back: the reply is 204 with a sealed httpOnly cookie. The gateway's tokens never
 * reach the browser.
 */
const SESSION_PATH = '/api/session';

export type SignInCredentials = { apiKey: string } | { email: string; password: string };

export async function signIn(credentials: SignInCredentials): Promise<void> {
  const body = 'apiKey' in credentials ? { api_key: credentials.apiKey } : { email: credentials.email, password: credentials.password };
  const response = await fetch(SESSION_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (response.ok) return;
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: errorFromReply then says which status came back.
  }
  throw errorFromReply(response.status, parsed);
}

/** Signs out: the console revokes the session's refresh token at the gateway and clears the cookie. */
export async function signOut(): Promise<void> {
  await fetch(SESSION_PATH, { method: 'DELETE', credentials: 'same-origin', cache: 'no-store' });
}
