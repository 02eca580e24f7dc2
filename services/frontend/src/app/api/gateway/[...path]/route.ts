import { authorizedCall } from '@/server/authorized-call';
import { gatewayUrl } from '@/server/config';
import { Replies } from '@/server/errors';
import { tokenRefresher } from '@/server/gateway-auth';
import { forwardToGateway, gatewayPathFor } from '@/server/gateway-proxy';
import { isSameOriginRequest } from '@/server/request-guards';
import { openSessionHandle } from '@/server/session';

export const dynamic = 'force-dynamic';

interface RouteContext {
  params: Promise<{ path: string[] }>;
}

/**
 * The browser's only way to the gateway: it forwards allow-listed calls with the session's credential (the API key
 * as X-API-Key, or the user's access token as Bearer, refreshed here when it expires) and answers the gateway's
 * status and body unchanged, so the console handles the API's error envelope as any client. Bodies are streamed both
 * ways, so the change stream (Server-Sent Events) reaches the browser as each event arrives; when the browser goes
 * away, the request's signal ends the call to the gateway with it.
 */
async function forward(request: Request, context: RouteContext): Promise<Response> {
  if (request.method !== 'GET' && !isSameOriginRequest(request)) return Replies.crossSite();
  const handle = await openSessionHandle(request);
  if (handle.data.apiKey === undefined && handle.data.user === undefined) return Replies.notSignedIn();
  const path = gatewayPathFor((await context.params).path, request.method);
  if (path === null) return Replies.notForwarded();

  const hasBody = request.method !== 'GET' && request.method !== 'DELETE';
  // Read once: a call retried after a token refresh sends the same bytes again.
  const body = hasBody ? await request.arrayBuffer() : null;
  try {
    const reply = await authorizedCall(
      handle,
      (credential) =>
        forwardToGateway({
          gatewayUrl: gatewayUrl(),
          credential,
          method: request.method,
          path,
          search: new URL(request.url).search,
          body,
          contentType: request.headers.get('content-type'),
          lastEventId: request.method === 'GET' ? request.headers.get('last-event-id') : null,
          signal: request.signal,
        }),
      { refresher: tokenRefresher() },
    );
    // A 401 from the gateway has already ended the session (the key was revoked, or the user's tokens were refused).
    return reply ?? Replies.sessionEnded();
  } catch (error) {
    if (request.signal.aborted) return new Response(null, { status: 499 });
    console.error({ err: (error as Error).message, path }, 'gateway unreachable');
    return Replies.gatewayUnreachable();
  }
}

export { forward as GET, forward as POST, forward as PUT, forward as PATCH, forward as DELETE };
