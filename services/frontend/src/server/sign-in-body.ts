import 'server-only';

const MAX_KEY_LENGTH = 512;
/** The gateway's own limits (LoginBodySchema). */
const MAX_EMAIL_LENGTH = 254;
const MAX_PASSWORD_LENGTH = 256;

export type SignInBody =
  | { ok: true; method: 'key'; apiKey: string }
  | { ok: true; method: 'password'; email: string; password: string }
  | { ok: false; message: string };

/**
 * What the sign-in form posted: `{ api_key }` or `{ email, password }`. The password is passed on exactly as typed
 * (spaces are part of a passphrase); the key and the email are trimmed.
 */
export function parseSignInBody(body: unknown): SignInBody {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if ('api_key' in b) {
    const key = typeof b.api_key === 'string' ? b.api_key.trim() : '';
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      return { ok: false, message: `Invalid request: body.api_key must be a key of 1 to ${MAX_KEY_LENGTH} characters.` };
    }
    return { ok: true, method: 'key', apiKey: key };
  }
  const email = typeof b.email === 'string' ? b.email.trim() : '';
  const password = typeof b.password === 'string' ? b.password : '';
  const problems: string[] = [];
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH) problems.push(`body.email must be 1 to ${MAX_EMAIL_LENGTH} characters`);
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
    problems.push(`body.password must be 1 to ${MAX_PASSWORD_LENGTH} characters`);
  }
  if (problems.length > 0) {
    const said = 'email' in b || 'password' in b ? problems.join('; ') : 'send { api_key } or { email, password }';
    return { ok: false, message: `Invalid request: ${said}.` };
  }
  return { ok: true, method: 'password', email, password };
}
