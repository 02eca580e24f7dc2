import { gatewayUrl } from '@/server/config';
import { Replies, errorReply } from '@/server/errors';
import { isSameOriginRequest } from '@/server/request-guards';
import { isSecureRequest, openSession } from '@/server/session';

export const dynamic = 'force-dynamic';

const MAX_KEY_LENGTH = 512;

async function readApiKey(request: Request): Promise<string | null> {
  try {
    const body = (await request.json()) as { api_key?: unknown };
    const key = typeof body.api_key === 'string' ? body.api_key.trim() : '';
    return key.length > 0 && key.length <= MAX_KEY_LENGTH ? key : null;
  } catch {
    return null;
  }
}

/**
 * Signs in: checks the key against the gateway with a call only an admin may make, then seals it into the session
 * cookie. The reply carries no key, and a refusal is the gateway's own error envelope.
 */
export async function POST(request: Request): Promise<Response> {
  if (!isSameOriginRequest(request)) return Replies.crossSite();
  const apiKey = await readApiKey(request);
  if (apiKey === null) {
    return errorReply(422, 'VALIDATION_ERROR', 'Invalid request: body.api_key must be a key of 1 to 512 characters.');
  }
  let check: Response;
  try {
    check = await fetch(`${gatewayUrl()}/admin/databases`, {
      headers: { accept: 'application/json', 'x-api-key': apiKey },
      cache: 'no-store',
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    return Replies.gatewayUnreachable();
  }
  if (!check.ok) {
    return new Response(check.body, {
      status: check.status,
      headers: { 'content-type': check.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store' },
    });
  }
  await check.body?.cancel();
  const session = await openSession(isSecureRequest(request));
  session.apiKey = apiKey;
  await session.save();
  return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
}

/** Signs out: the cookie is cleared, whatever state it was in. */
export async function DELETE(request: Request): Promise<Response> {
  if (!isSameOriginRequest(request)) return Replies.crossSite();
  const session = await openSession(isSecureRequest(request));
  session.destroy();
  return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
}
