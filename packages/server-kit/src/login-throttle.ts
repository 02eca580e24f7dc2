/**
 * Slows down and then locks repeated failed logins, per account name and per address. The account name is counted
 * whether or not such an account exists, so the answers never tell the two apart.
 *
 * After `freeFailures` failures a login is only accepted once `delayMs * 2^(n - freeFailures)` has passed since the last
 * one; after `lockAfter` failures the key is locked for `lockMs`. A success clears the account's counter.
 */
export interface ThrottleOptions {
  freeFailures: number;
  lockAfter: number;
  delayMs: number;
  lockMs: number;
  /** Counters forget a key after this long without failures. */
  forgetMs: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  freeFailures: 3,
  lockAfter: 10,
  delayMs: 1000,
  lockMs: 15 * 60 * 1000,
  forgetMs: 60 * 60 * 1000,
};

interface Entry {
  failures: number;
  last: number;
  lockedUntil: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly options: ThrottleOptions = DEFAULT_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before another attempt is considered, or 0 when it may be tried now. */
  retryAfter(keys: string[]): number {
    const now = this.now();
    let wait = 0;
    for (const key of keys) {
      const entry = this.fresh(key, now);
      if (!entry) continue;
      if (entry.lockedUntil > now) wait = Math.max(wait, entry.lockedUntil - now);
      else if (entry.failures >= this.options.freeFailures) {
        const delay = this.options.delayMs * 2 ** (entry.failures - this.options.freeFailures);
        wait = Math.max(wait, entry.last + delay - now);
      }
    }
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  failure(keys: string[]): void {
    const now = this.now();
    for (const key of keys) {
      const entry = this.fresh(key, now) ?? { failures: 0, last: now, lockedUntil: 0 };
      entry.failures += 1;
      entry.last = now;
      if (entry.failures >= this.options.lockAfter) entry.lockedUntil = now + this.options.lockMs;
      this.entries.set(key, entry);
    }
    if (this.entries.size > 100_000) this.sweep(now);
  }

  success(keys: string[]): void {
    for (const key of keys) this.entries.delete(key);
  }

  private fresh(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && now - entry.last > this.options.forgetMs && entry.lockedUntil <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.entries) if (now - entry.last > this.options.forgetMs && entry.lockedUntil <= now) this.entries.delete(key);
  }
}
