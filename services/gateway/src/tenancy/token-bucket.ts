/** Requests per second per tenant: a token bucket each, refilled continuously, holding at most one second's worth. */
export class TenantRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The tokens of a tenant's bucket at `now` (a full bucket for a tenant not seen yet). */
  private tokens(tenantId: string, perSecond: number, now: number): number {
    const bucket = this.buckets.get(tenantId);
    return bucket === undefined ? perSecond : Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
  }

  /** Whether `take` would let a request through now (nothing is taken). */
  wouldAllow(tenantId: string, perSecond: number | null): boolean {
    return perSecond === null || perSecond <= 0 || this.tokens(tenantId, perSecond, this.now()) >= 1;
  }

  /** Takes one request from the tenant's allowance; answers the seconds to wait when there is none left. */
  take(tenantId: string, perSecond: number | null): number {
    if (perSecond === null || perSecond <= 0) return 0;
    const now = this.now();
    const tokens = this.tokens(tenantId, perSecond, now);
    const left = tokens >= 1 ? tokens - 1 : tokens;
    const bucket = this.buckets.get(tenantId);
    if (bucket === undefined) this.buckets.set(tenantId, { tokens: left, at: now });
    else {
      bucket.tokens = left;
      bucket.at = now;
    }
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / perSecond));
  }
}
