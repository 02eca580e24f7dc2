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

/** Accounts: a few tries, then slower, then locked for a while. */
export const ACCOUNT_THROTTLE: ThrottleOptions = {
  freeFailures: 3,
  lockAfter: 10,
  delayMs: 1000,
  lockMs: 15 * 60 * 1000,
  forgetMs: 60 * 60 * 1000,
};

/**
 * Addresses: far more room, since many people may sign in from one address (an office, the console's server), so
 * that a guesser spread over many accounts is still slowed, without one address locking everyone out soon.
 */
export const ADDRESS_THROTTLE: ThrottleOptions = {
  freeFailures: 20,
  lockAfter: 200,
  delayMs: 250,
  lockMs: 15 * 60 * 1000,
  forgetMs: 60 * 60 * 1000,
};

export const DEFAULT_THROTTLE = ACCOUNT_THROTTLE;

interface Entry {
  failures: number;
  last: number;
  lockedUntil: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly options: ThrottleOptions = ACCOUNT_THROTTLE,
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

  /** Takes back one failure that turned out to be a success (a lock already set stays). */
  undo(keys: string[]): void {
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (entry && entry.failures > 0) entry.failures -= 1;
    }
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

/** Sign-in throttling by account and by address, each with its own limits. */
export class SignInThrottle {
  private readonly accounts: LoginThrottle;
  private readonly addresses: LoginThrottle;

  constructor(now: () => number = Date.now) {
    this.accounts = new LoginThrottle(ACCOUNT_THROTTLE, now);
    this.addresses = new LoginThrottle(ADDRESS_THROTTLE, now);
  }

  retryAfter(account: string, address: string): number {
    return Math.max(this.accounts.retryAfter([account]), this.addresses.retryAfter([address]));
  }

  /**
   * Counts a sign-in attempt before its password is checked, so that a burst of parallel attempts is throttled as it
   * arrives rather than after the (slow) checks. Answers the seconds to wait when the attempt may not be made (it is
   * then not counted), or 0. Follow with `succeeded` when the password was right; a failure needs nothing more.
   */
  attempt(account: string, address: string): number {
    const wait = this.retryAfter(account, address);
    if (wait === 0) this.failure(account, address);
    return wait;
  }

  /** The attempt succeeded: the account's counter is cleared, and the address's attempt is not held against it. */
  succeeded(account: string, address: string): void {
    this.accounts.success([account]);
    this.addresses.undo([address]);
  }

  failure(account: string, address: string): void {
    this.accounts.failure([account]);
    this.addresses.failure([address]);
  }

  /** A success clears the account; the address keeps its count (one success does not excuse many failures). */
  success(account: string): void {
    this.accounts.success([account]);
  }
}
