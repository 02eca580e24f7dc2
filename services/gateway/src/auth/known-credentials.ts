import crypto from 'node:crypto';

/**
 * Digests of credentials that verified recently. Rate limits count a request by its credential only once that
 * credential is known to be real: otherwise by the caller's address, so that inventing a new credential for every
 * request does not buy a new allowance each time.
 */
export class KnownCredentials {
  private readonly digests = new Set<string>();

  constructor(private readonly max = 10_000) {}

  static digest(credential: string): string {
    return crypto.createHash('sha256').update(credential).digest('base64url');
  }

  remember(credential: string): void {
    const digest = KnownCredentials.digest(credential);
    if (this.digests.has(digest)) return;
    if (this.digests.size >= this.max) this.digests.delete(this.digests.values().next().value as string);
    this.digests.add(digest);
  }

  /** The digest of a known credential, or undefined. */
  known(credential: string): string | undefined {
    const digest = KnownCredentials.digest(credential);
    return this.digests.has(digest) ? digest : undefined;
  }
}
