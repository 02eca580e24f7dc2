import { errorFromReply } from '../fetcher';

/**
 * The console's own session endpoint. The key travels to the console's server once, at sign-in, and is never
 * answered back: the reply is 204 with a sealed httpOnly cookie.
 */
const SESSION_PATH = '/api/session';

export async function signIn(apiKey: string): Promise<void> {
  const response = await fetch(SESSION_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ api_key: apiKey }),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (response.ok) return;
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: errorFromReply then says which status came back.
  }
  throw errorFromReply(response.status, body);
}

export async function signOut(): Promise<void> {
  await fetch(SESSION_PATH, { method: 'DELETE', credentials: 'same-origin', cache: 'no-store' });
}
