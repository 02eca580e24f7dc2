import { isTokensReply, userTokensFrom } from '@/server/credentials';
import { Replies, errorReply } from '@/server/errors';
import { requestLogin, requestWhoAmI, revokeRefreshToken } from '@/server/gateway-auth';
import { isSameOriginRequest } from '@/server/request-guards';
import { isSecureRequest, openSession, startSession } from '@/server/session';
import { parseSignInBody } from '@/server/sign-in-body';

export const dynamic = 'force-dynamic';

const NO_STORE = { 'cache-control': 'no-store' } as const;

/** The gateway's refusal as it came: status, error envelope and Retry-After (a throttled sign-in says how long). */
function passRefusal(reply: Response): Response {
  const headers = new Headers({ ...NO_STORE, 'content-type': reply.headers.get('content-type') ?? 'application/json' });
  const retryAfter = reply.headers.get('retry-after');
  if (retryAfter !== null) headers.set('retry-after', retryAfter);
  return new Response(reply.body, { status: reply.status, headers });
}

/**
 * Signs in, with an API key (checked against the gateway's GET /auth/me) or with an email and a password (exchanged
 * for tokens at the gateway's POST /auth/login). The credential or the tokens are sealed into the session cookie; the
 * reply is 204 with no body, and a refusal is the gateway's own error envelope.
 */
export async function POST(request: Request): Promise<Response> {
  if (!isSameOriginRequest(request)) return Replies.crossSite();
  const parsed = parseSignInBody(await request.json().catch(() => undefined));
  if (!parsed.ok) return errorReply(422, 'VALIDATION_ERROR', parsed.message);

  let reply: Response;
  try {
    reply =
      parsed.method === 'key'
        ? await requestWhoAmI({ 'x-api-key': parsed.apiKey })
        : await requestLogin(parsed.email, parsed.password);
  } catch {
    return Replies.gatewayUnreachable();
  }
  if (!reply.ok) return passRefusal(reply);

  // Signing in over an earlier session: its refresh token would outlive the cookie that held it.
  const earlier = (await openSession()).user?.refreshToken;
  if (typeof earlier === 'string' && earlier.length > 0) await revokeRefreshToken(earlier);

  if (parsed.method === 'key') {
    await reply.body?.cancel();
    await startSession(request, { apiKey: parsed.apiKey });
  } else {
    const tokens: unknown = await reply.json().catch(() => undefined);
    if (!isTokensReply(tokens)) return Replies.gatewayUnreachable();
    // The gateway matches emails trimmed and in lower case; the header shows the account the same way.
    await startSession(request, { user: userTokensFrom(tokens, parsed.email.trim().toLowerCase()) });
  }
  return new Response(null, { status: 204, headers: NO_STORE });
}

/** Signs out: a user's refresh token is revoked at the gateway, and the cookie is cleared whatever state it was in. */
export async function DELETE(request: Request): Promise<Response> {
  if (!isSameOriginRequest(request)) return Replies.crossSite();
  const session = await openSession(isSecureRequest(request));
  const refreshToken = session.user?.refreshToken;
  if (typeof refreshToken === 'string' && refreshToken.length > 0) await revokeRefreshToken(refreshToken);
  session.destroy();
  return new Response(null, { status: 204, headers: NO_STORE });
}
