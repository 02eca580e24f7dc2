import crypto from 'node:crypto';
import { request } from 'undici';

/** Headers of every webhook call. The receiver checks the signature with its secret before trusting the body. */
export const WebhookHeaders = {
  signature: 'x-dbforge-signature',
  event: 'x-dbforge-event',
  hook: 'x-dbforge-hook',
  delivery: 'x-dbforge-delivery',
  timestamp: 'x-dbforge-timestamp',
} as const;

const MAX_ANSWER_BYTES = 64 * 1024;

export type WebhookOutcome =
  | { kind: 'answered'; status: number; body: unknown }
  | { kind: 'timeout' }
  | { kind: 'unreachable'; message: string };

/** `sha256=<hex>`: HMAC-SHA256 of the exact body bytes with the hook's secret. */
export function signBody(secret: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Only http and https, with a host, and no credentials in the URL (they would end up in logs). */
export function checkWebhookUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.hostname === '') return 'must name a host';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials (the signature authenticates the gateway)';
  return undefined;
}

/**
 * Posts one signed JSON body to a webhook, with a deadline for the whole exchange. Redirects are not followed (a
 * signed call goes where it was configured to go, nowhere else), and at most 64 KiB of the answer is read.
 */
export async function callWebhook(options: {
  url: string;
  secret: string;
  body: string;
  event: string;
  hook: string;
  delivery: string;
  timeoutMs: number;
}): Promise<WebhookOutcome> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await request(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'DB-Forge-Webhooks/1',
        [WebhookHeaders.signature]: signBody(options.secret, options.body),
        [WebhookHeaders.event]: options.event,
        [WebhookHeaders.hook]: options.hook,
        [WebhookHeaders.delivery]: options.delivery,
        [WebhookHeaders.timestamp]: new Date().toISOString(),
      },
      body: options.body,
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_ANSWER_BYTES) break;
      chunks.push(chunk as Buffer);
    }
    if (size > MAX_ANSWER_BYTES) response.body.destroy();
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { kind: 'answered', status: response.statusCode, body };
  } catch (error) {
    const code = (error as { code?: string; name?: string }).code ?? (error as { name?: string }).name;
    if (signal.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'TimeoutError' || code === 'AbortError') {
      return { kind: 'timeout' };
    }
    return { kind: 'unreachable', message: (error as Error).message };
  }
}
