import 'server-only';
import type { TokensReply } from '@dbforge/contracts';

/** What the gateway answered to a refresh token: a new pair, or a refusal (used, revoked, expired). */
export type RefreshOutcome = { ok: true; tokens: TokensReply } | { ok: false };

export interface TokenRefresherOptions {
  /**
   * How long a refresh's answer is kept for requests that still carry the old refresh token. The browser sends
   * several requests at once; the first to find the access token expired refreshes, and the others arrive with the
   * cookie from before, holding a refresh token that the gateway will not take twice.
   */
  graceMs?: number;
  now?: () => number;
}

/**
 * Exchanges refresh tokens once each. Concurrent exchanges of one token share one call to the gateway, and its answer
 * is kept for a short grace period, so that every request of a burst ends up with the same new pair and none signs
 * the user out. In memory: with several console processes, route a browser to one of them (sticky sessions).
 */
export class TokenRefresher {
  private readonly inFlight = new Map<string, Promise<RefreshOutcome>>();
  private readonly recent = new Map<string, { tokens: TokensReply; until: number }>();
  private readonly graceMs: number;
  private readonly now: () => number;

  constructor(
    private readonly exchange: (refreshToken: string) => Promise<RefreshOutcome>,
    options: TokenRefresherOptions = {},
  ) {
    this.graceMs = options.graceMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** A new pair for the refresh token; rejects when the gateway could not be asked (the session then stays). */
  refresh(refreshToken: string): Promise<RefreshOutcome> {
    this.sweep();
    const recent = this.recent.get(refreshToken);
    if (recent !== undefined) return Promise.resolve({ ok: true, tokens: recent.tokens });
    const pending = this.inFlight.get(refreshToken);
    if (pending !== undefined) return pending;
    const exchange = this.exchange(refreshToken)
      .then((outcome) => {
        if (outcome.ok) this.recent.set(refreshToken, { tokens: outcome.tokens, until: this.now() + this.graceMs });
        return outcome;
      })
      .finally(() => this.inFlight.delete(refreshToken));
    this.inFlight.set(refreshToken, exchange);
    return exchange;
  }

  /** Drops what is remembered about a refresh token (at sign-out), as the token itself or as a refresh's answer. */
  forget(refreshToken: string): void {
    for (const [token, entry] of this.recent) {
      if (token === refreshToken || entry.tokens.refresh_token === refreshToken) this.recent.delete(token);
    }
  }

  /** How many answers are kept (for tests). */
  get size(): number {
    this.sweep();
    return this.recent.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [token, entry] of this.recent) if (entry.until <= now) this.recent.delete(token);
  }
}
