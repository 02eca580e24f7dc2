import crypto from 'node:crypto';
import { DbForgeError } from '@dbforge/contracts';
import type { HookEvent } from './model.js';

/** One before-hook the gateway must call before a write can commit. */
export interface HookCall {
  /** Which record of the request (0 for a single write; the position in a bulk or an import). */
  index: number;
  hook: string;
  event: HookEvent;
  resource: string;
  record: Record<string, unknown> | null;
  old_record: Record<string, unknown> | null;
}

/**
 * Thrown by a write that needs before-hooks: nothing was committed. The worker answers it with its internal 299 reply;
 * the gateway calls the hooks and sends the request again with the verdict and this token.
 */
export class HookRequired extends Error {
  constructor(
    readonly calls: HookCall[],
    readonly token: string,
  ) {
    super('before-hooks required');
    this.name = 'HookRequired';
  }
}

/** The gateway's verdict after every hook allowed the write: fields hooks asked to set, by record index. */
export interface HookVerdict {
  token: string;
  sets: Record<number, Record<string, unknown>>;
}

/** A token lives long enough for the slowest hook and the re-sent request, never longer. */
const TOKEN_TTL_MS = 5 * 60_000;

interface TokenBody {
  /** The request: method, path, actor and body. */
  f: string;
  /** The state of the records the write reads (their stored rows). */
  s: string;
  /** The hooks approved. */
  h: string[];
  /** Expiry, epoch ms. */
  x: number;
}

/**
 * Tokens bind a hook verdict to one request and to the state of the records it changes, so that a verdict can't be
 * replayed for another request, and a record changed by someone else meanwhile is noticed (409).
 */
export class HookTokens {
  // In memory: a worker that restarts between the two phases refuses the old token, and the client retries.
  private readonly key = crypto.randomBytes(32);

  private mac(text: string): string {
    return crypto.createHmac('sha256', this.key).update(text).digest('base64url');
  }

  issue(fingerprint: string, state: string, hooks: string[], now = Date.now()): string {
    const body: TokenBody = { f: fingerprint, s: state, h: [...new Set(hooks)].sort(), x: now + TOKEN_TTL_MS };
    const text = Buffer.from(JSON.stringify(body)).toString('base64url');
    return `${text}.${this.mac(text)}`;
  }

  /**
   * Checks a verdict's token against the request as it is now. A token for another request, forged or expired is a
   * 400; a record that changed since the hooks saw it is a 409. Answers the hooks the token approves.
   */
  verify(token: string, fingerprint: string, state: string, now = Date.now()): string[] {
    const [text, mac] = token.split('.');
    if (text === undefined || mac === undefined) throw invalidToken();
    const expected = this.mac(text);
    if (mac.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) throw invalidToken();
    const body = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as TokenBody;
    if (body.x < now) throw new DbForgeError('CONFLICT', 'The hooks approved this write too long ago; send the request again.');
    if (body.f !== fingerprint) throw invalidToken();
    if (body.s !== state) {
      throw new DbForgeError('CONFLICT', 'The record changed while its hooks were deciding; nothing was written. Send the request again.');
    }
    return body.h;
  }
}

function invalidToken(): DbForgeError {
  return new DbForgeError('BAD_REQUEST', 'The hook verdict does not belong to this request.');
}

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('base64url');
}
