import 'server-only';

/** Methods the proxy forwards. */
export const FORWARDED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Reply headers worth passing back to the browser; everything else stays between the console and the gateway. */
const PASSED_REPLY_HEADERS = ['content-type', 'retry-after', 'x-request-id'] as const;

/** What the console reads in place; any other reply (a record's file, above all) is sent as a download. */
const INLINE_TYPES = new Set(['', 'application/json', 'application/yaml', 'text/yaml', 'text/csv', 'text/event-stream', 'text/plain']);

/**
 * The gateway path for the segments after /api/gateway/, or null when the call is not one the console may forward.
 * Only the admin API, the data API and `GET /auth/me` are reachable: never /metrics, /docs, the other /auth routes
 * (their replies carry tokens, which stay on the console's server) or anything added later by accident.
 */
export function gatewayPathFor(segments: readonly string[], method = 'GET'): string | null {
  if (segments.length === 0) return null;
  // Segments arrive decoded; one that decodes to a separator or a dot segment would walk the path.
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\\'))) return null;
  const [first, second, third] = segments;
  const allowed =
    (first === 'admin' && segments.length >= 2) ||
    (first === 'api' && second === 'db' && third !== undefined) ||
    (first === 'auth' && second === 'me' && segments.length === 2 && method === 'GET');
  if (!allowed) return null;
  return `/${segments.map(encodeURIComponent).join('/')}`;
}

export interface ForwardOptions {
  gatewayUrl: string;
  /** The session's credential as headers (X-API-Key, or Authorization: Bearer). */
  credential: Record<string, string>;
  method: string;
  path: string;
  search: string;
  body: ArrayBuffer | null;
  contentType: string | null;
  /** The browser's `Last-Event-ID`: an EventSource that reconnects resumes the change stream after it. */
  lastEventId?: string | null;
  signal: AbortSignal;
}

/** An event id as the gateway takes it; anything else is not passed on. */
const EVENT_ID = /^[0-9]{1,18}$/;

/** Sends one call to the gateway with the session's credential and answers the gateway's reply as it came. */
export async function forwardToGateway(options: ForwardOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.credential };
  if (options.body !== null && options.contentType !== null) headers['content-type'] = options.contentType;
  if (options.lastEventId && EVENT_ID.test(options.lastEventId.trim())) headers['last-event-id'] = options.lastEventId.trim();
  const upstream = await fetch(`${options.gatewayUrl}${options.path}${options.search}`, {
    method: options.method,
    headers,
    body: options.body,
    signal: options.signal,
    cache: 'no-store',
    redirect: 'manual',
  });
  // Nothing from a database ever renders as a page on the console's origin (an uploaded HTML or SVG file would run
  // its script as the signed-in admin): every reply is sandboxed and never sniffed, and anything that is not the
  // API's own JSON, YAML, CSV or event stream is a download.
  const replyHeaders = new Headers({
    'cache-control': 'no-store',
    'content-security-policy': "sandbox; default-src 'none'",
    'x-content-type-options': 'nosniff',
  });
  for (const name of PASSED_REPLY_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) replyHeaders.set(name, value);
  }
  const type = (upstream.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!INLINE_TYPES.has(type)) {
    // The worker's own attachment header (with the file's name) when it sent one, a bare attachment otherwise.
    const disposition = upstream.headers.get('content-disposition');
    replyHeaders.set('content-disposition', disposition?.startsWith('attachment') ? disposition : 'attachment');
  }
  if ((upstream.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    // A change stream must reach the browser event by event: `no-transform` keeps the server's gzip (which would hold
    // events back to fill its window) off it, and X-Accel-Buffering keeps a proxy in front (nginx) from buffering it.
    replyHeaders.set('cache-control', 'no-store, no-transform');
    replyHeaders.set('x-accel-buffering', 'no');
  }
  const bodyless = upstream.status === 204 || upstream.status === 304;
  return new Response(bodyless ? null : upstream.body, { status: upstream.status, headers: replyHeaders });
}
