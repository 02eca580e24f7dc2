import 'server-only';
import { getIronSession, type IronSession, type SessionOptions } from 'iron-session';
import { cookies } from 'next/headers';
import { sessionSecret } from './session-secret';

export const SESSION_COOKIE = 'dbforge_console';
/** A session lasts a working day; then the key is asked for again. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

export interface SessionData {
  /** The API key the user signed in with. Sealed in the cookie; never sent to the browser in the clear. */
  apiKey?: string;
}

function sessionOptions(secure: boolean): SessionOptions {
  return {
    cookieName: SESSION_COOKIE,
    password: sessionSecret(),
    ttl: SESSION_TTL_SECONDS,
    cookieOptions: {
      // httpOnly: no script, ours or injected, can read the sealed key. SameSite=Strict: no other site can make the
      // browser send it, which is what keeps the proxy safe from cross-site requests.
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/',
    },
  };
}

/** Whether the browser reached us over https, directly or through a proxy that says so. */
export function isSecureRequest(request: Request): boolean {
  const forwarded = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  if (forwarded) return forwarded === 'https';
  return new URL(request.url).protocol === 'https:';
}

/** The session of this request. Pass `secure` when the cookie may be written. */
export async function openSession(secure = false): Promise<IronSession<SessionData>> {
  return getIronSession<SessionData>(await cookies(), sessionOptions(secure));
}

/** The signed-in API key, or undefined. */
export async function sessionApiKey(): Promise<string | undefined> {
  const session = await openSession();
  return typeof session.apiKey === 'string' && session.apiKey.length > 0 ? session.apiKey : undefined;
}
