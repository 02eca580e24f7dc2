import crypto from 'node:crypto';

/**
 * Digests of credentials that verified recently. Rate limits count a request by its credential only once that
 * credential is known to be real: otherwise by the caller's address, so that inventing a new credential for every
 * request does not buy a new allowance each time.
 */
export class KnownCredentials {
  private readonly digests = new Set<string>();
  /**
   * The last credential digested, and its digest: a caller's requests come with the same credential, checked twice
   * each (rate limit, then authentication), so most digests are the one just made.
   */
  private last: { credential: string; digest: string } | undefined;

  constructor(private readonly max = 10_000) {}

  static digest(credential: string): string {
    return crypto.createHash('sha256').update(credential).digest('base64url');
  }

  private digestOf(credential: string): string {
    if (this.last?.credential === credential) return this.last.digest;
    const digest = KnownCredentials.digest(credential);
    this.last = { credential, digest };
    return digest;
  }

  remember(credential: string): void {
    const digest = this.digestOf(credential);
    if (this.digests.has(digest)) return;
    if (this.digests.size >= this.max) this.digests.delete(this.digests.values().next().value as string);
    this.digests.add(digest);
  }

  /** The digest of a known credential, or undefined. */
  known(credential: string): string | undefined {
    const digest = this.digestOf(credential);
    return this.digests.has(digest) ? digest : undefined;
  }
}
