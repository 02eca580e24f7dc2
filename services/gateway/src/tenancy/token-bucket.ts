/** Requests per second per tenant: a token bucket each, refilled continuously, holding at most one second's worth. */
export class TenantRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether `take` would let a request through now (nothing is taken). */
  wouldAllow(tenantId: string, perSecond: number | null): boolean {
    if (perSecond === null || perSecond <= 0) return true;
    const bucket = this.buckets.get(tenantId);
    if (bucket === undefined) return true;
    return Math.min(perSecond, bucket.tokens + ((this.now() - bucket.at) / 1000) * perSecond) >= 1;
  }

  /** Takes one request from the tenant's allowance; answers the seconds to wait when there is none left. */
  take(tenantId: string, perSecond: number | null): number {
    if (perSecond === null || perSecond <= 0) return 0;
    const now = this.now();
    const bucket = this.buckets.get(tenantId) ?? { tokens: perSecond, at: now };
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.buckets.set(tenantId, bucket);
      return 0;
    }
    this.buckets.set(tenantId, bucket);
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }
}
