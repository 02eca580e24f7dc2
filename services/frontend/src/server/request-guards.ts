import 'server-only';

/**
 * Whether a request comes from a page of this console. SameSite=Strict already keeps the session cookie off
 * cross-site requests; this refuses them outright, as a second wall for state-changing calls.
 */
export function isSameOriginRequest(request: Request): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null) return site === 'same-origin' || site === 'none';
  const origin = request.headers.get('origin');
  if (origin === null) return true;
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
