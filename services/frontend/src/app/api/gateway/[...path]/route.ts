import { gatewayUrl } from '@/server/config';
import { Replies } from '@/server/errors';
import { forwardToGateway, gatewayPathFor } from '@/server/gateway-proxy';
import { isSameOriginRequest } from '@/server/request-guards';
import { openSession } from '@/server/session';

export const dynamic = 'force-dynamic';

interface RouteContext {
  params: Promise<{ path: string[] }>;
}

/**
 * The browser's only way to the gateway: it forwards allow-listed calls with the session's key as X-API-Key and
 * answers the gateway's status and body unchanged, so the console handles the API's error envelope as any client.
 */
async function forward(request: Request, context: RouteContext): Promise<Response> {
  if (request.method !== 'GET' && !isSameOriginRequest(request)) return Replies.crossSite();
  const session = await openSession();
  const apiKey = session.apiKey;
  if (!apiKey) return Replies.notSignedIn();
  const path = gatewayPathFor((await context.params).path);
  if (path === null) return Replies.notForwarded();

  const hasBody = request.method !== 'GET' && request.method !== 'DELETE';
  let reply: Response;
  try {
    reply = await forwardToGateway({
      gatewayUrl: gatewayUrl(),
      apiKey,
      method: request.method,
      path,
      search: new URL(request.url).search,
      body: hasBody ? await request.arrayBuffer() : null,
      contentType: request.headers.get('content-type'),
      signal: request.signal,
    });
  } catch (error) {
    if (request.signal.aborted) return new Response(null, { status: 499 });
    console.error({ err: (error as Error).message, path }, 'gateway unreachable');
    return Replies.gatewayUnreachable();
  }
  // The gateway no longer takes this key (rotated or revoked): end the session so the next page asks for a new one.
  if (reply.status === 401) session.destroy();
  return reply;
}

export { forward as GET, forward as POST, forward as PUT, forward as PATCH, forward as DELETE };
