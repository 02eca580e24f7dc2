import 'server-only';

const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8000';

let cachedGatewayUrl: string | undefined;

/**
 * The gateway as this server reaches it (GATEWAY_URL). Server-side configuration only: the browser talks to the
 * console's own route handlers and never learns where the gateway is.
 */
export function gatewayUrl(env: Partial<Record<string, string>> = process.env): string {
  if (cachedGatewayUrl !== undefined && env === process.env) return cachedGatewayUrl;
  const raw = env.GATEWAY_URL?.trim() || DEFAULT_GATEWAY_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`Invalid configuration:\n  GATEWAY_URL: not a URL (${JSON.stringify(raw)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Invalid configuration:\n  GATEWAY_URL: must be an http:// or https:// URL`);
  }
  const normalised = url.href.replace(/\/+$/, '');
  if (env === process.env) cachedGatewayUrl = normalised;
  return normalised;
}
