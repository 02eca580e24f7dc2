import 'server-only';
import { getIronSession, type IronSession, type SessionOptions } from 'iron-session';
import { cookies } from 'next/headers';
import type { SessionHandle } from './authorized-call';
import { remainingSessionSeconds, SESSION_TTL_SECONDS, sessionCredential, signedInAs, type SessionData, type SignedInAs } from './credentials';
import { sessionSecret } from './session-secret';

export { SESSION_TTL_SECONDS, type SessionData } from './credentials';

export const SESSION_COOKIE = 'dbforge_console';

/** iron-session gives the cookie a max-age of the seal's lifetime less this much, so the seal outlives the cookie. */
const IRON_SESSION_MAX_AGE_SLACK_SECONDS = 60;

function sessionOptions(secure: boolean, ttlSeconds: number = SESSION_TTL_SECONDS): SessionOptions {
  return {
    cookieName: SESSION_COOKIE,
    password: sessionSecret(),
    ttl: ttlSeconds + IRON_SESSION_MAX_AGE_SLACK_SECONDS,
    cookieOptions: {
      // httpOnly: no script, ours or injected, can read the sealed key or tokens. SameSite=Strict: no other site can
      // make the browser send it, which is what keeps the proxy safe from cross-site requests.
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

/**
 * The session of a route handler, as `authorizedCall` uses it. Writing the cookie keeps the session's end where it
 * was at sign-in: a refresh renews the tokens, not the session.
 */
export async function openSessionHandle(request: Request): Promise<SessionHandle & { session: IronSession<SessionData> }> {
  const secure = isSecureRequest(request);
  const session = await openSession(secure);
  return {
    session,
    data: session,
    save: async () => {
      session.updateConfig(sessionOptions(secure, remainingSessionSeconds(session)));
      await session.save();
    },
    destroy: () => session.destroy(),
  };
}

/** Starts a session with a credential: the cookie is written with the whole session's lifetime. */
export async function startSession(request: Request, credential: Pick<SessionData, 'apiKey' | 'user'>): Promise<void> {
  const session = await openSession(isSecureRequest(request));
  // One credential per session: signing in with one method forgets the other.
  delete session.apiKey;
  delete session.user;
  Object.assign(session, credential, { signedInAt: Date.now() });
  await session.save();
}

/** Who is signed in, or undefined when nobody is (or the session is over). Reads only; server components can't write. */
export async function currentSignedInAs(): Promise<SignedInAs | undefined> {
  const credential = sessionCredential(await openSession());
  return credential === undefined ? undefined : signedInAs(credential);
}
