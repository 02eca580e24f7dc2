import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import argon2 from 'argon2';

const GENERATED_PREFIX = 'dbf_admin_';
const GENERATED_KEY = /^dbf_admin_[A-Za-z0-9_-]{43}$/;
/** argon2 checks of admin-key guesses run at once at most (see `verify`). */
const MAX_CONCURRENT_CHECKS = 2;

export const ADMIN_KEY_FILE = 'admin-key.json';
const MIN_KEY_LENGTH = 24;

interface StoredHash {
  algorithm: 'argon2id';
  hash: string;
  created_at: string;
}

export interface AdminKeySource {
  /** A key given in the environment (DBFORGE_ADMIN_KEY). */
  key?: string | undefined;
  /** A file holding the key, such as a Docker secret (DBFORGE_ADMIN_KEY_FILE). */
  keyFile?: string | undefined;
  /** Where the hash of a generated key is kept. */
  secretsDir: string;
}

export interface LoadedAdminKey {
  store: AdminKeyStore;
  /** Set only when a key was generated now: it is shown once and never stored in clear. */
  generatedKey?: string;
  origin: 'environment' | 'file' | 'stored-hash' | 'generated';
}

function digest(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

/**
 * The platform admin key. There is no default: it comes from the environment, a key file, or is generated on first
 * start, shown once, and kept only as an argon2id hash.
 *
 * argon2id is slow on purpose, so a key that verified once is remembered by its SHA-256 digest (in memory only), and
 * so is a key that failed, so that repeating a wrong key costs nothing either.
 */
export class AdminKeyStore {
  private readonly verified = new Set<string>();
  private readonly rejected = new Map<string, true>();
  private lastVerified: LastVerified | undefined;
  private checking = 0;

  private constructor(
    private readonly hash: string | undefined,
    private readonly plainDigest: Buffer | undefined,
  ) {}

  static async load(source: AdminKeySource): Promise<LoadedAdminKey> {
    const given = source.key ?? (source.keyFile === undefined ? undefined : readKeyFile(source.keyFile));
    if (given !== undefined) {
      if (given.length < MIN_KEY_LENGTH) {
        throw new Error(
          `Invalid configuration:\n  ${source.key !== undefined ? 'DBFORGE_ADMIN_KEY' : 'DBFORGE_ADMIN_KEY_FILE'}: ` +
            `the admin key must be at least ${MIN_KEY_LENGTH} characters (generate one with: openssl rand -base64 32)`,
        );
      }
      const store = new AdminKeyStore(undefined, Buffer.from(digest(given), 'hex'));
      return { store, origin: source.key !== undefined ? 'environment' : 'file' };
    }
    const file = path.join(source.secretsDir, ADMIN_KEY_FILE);
    if (fs.existsSync(file)) {
      const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<StoredHash>;
      if (stored.algorithm !== 'argon2id' || typeof stored.hash !== 'string' || !stored.hash.startsWith('$argon2id$')) {
        throw new Error(
          `${file} does not hold an argon2id hash. Delete it to generate a new admin key, or set DBFORGE_ADMIN_KEY.`,
        );
      }
      return { store: new AdminKeyStore(stored.hash, undefined), origin: 'stored-hash' };
    }
    const generatedKey = `${GENERATED_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
    const hash = await argon2.hash(generatedKey, { type: argon2.argon2id });
    fs.mkdirSync(source.secretsDir, { recursive: true, mode: 0o700 });
    const content: StoredHash = { algorithm: 'argon2id', hash, created_at: new Date().toISOString() };
    // Written to a temporary file first, so a crash never leaves half a hash behind.
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(temporary, file);
    const store = new AdminKeyStore(hash, undefined);
    store.verified.add(digest(generatedKey));
    return { store, generatedKey, origin: 'generated' };
  }

  /**
   * Whether the presented key is the admin key, when that is known without argon2 (the key verified or refused before,
   * or one that can't be it); undefined when only `verify` can tell.
   */
  verifyNow(presented: string): boolean | undefined {
    if (presented.length === 0 || presented.length > 1024) return false;
    // The key that verified last is compared first, without hashing: the hot path of every request. (Compared as bytes:
    // a character outside ASCII would make the lengths of the text and of its bytes differ. The bytes are written into
    // a buffer kept for it, so that the hot path allocates nothing.)
    const last = this.lastVerified;
    if (last !== undefined && Buffer.byteLength(presented) === last.bytes.length) {
      last.scratch.write(presented);
      if (crypto.timingSafeEqual(last.scratch, last.bytes)) return true;
    }
    const d = digest(presented);
    if (this.plainDigest !== undefined) {
      const ok = crypto.timingSafeEqual(Buffer.from(d, 'hex'), this.plainDigest);
      if (ok) this.lastVerified = new LastVerified(presented);
      return ok;
    }
    if (this.verified.has(d)) {
      this.lastVerified = new LastVerified(presented);
      return true;
    }
    if (this.rejected.has(d)) return false;
    // A stored hash is always of a generated key (`dbf_admin_` and 43 characters): anything else is refused without
    // the argon2 work, which would otherwise be a cheap way to load the gateway.
    if (!GENERATED_KEY.test(presented)) return false;
    return undefined;
  }

  async verify(presented: string): Promise<boolean> {
    const known = this.verifyNow(presented);
    if (known !== undefined) return known;
    const d = digest(presented);
    // Each check costs about 100 ms of CPU and 64 MiB: a few at a time, and a flood of guesses is refused rather than
    // queued (the real key, once verified, is never checked this way again).
    if (this.checking >= MAX_CONCURRENT_CHECKS) return false;
    this.checking++;
    let ok: boolean;
    try {
      ok = this.hash !== undefined && (await argon2.verify(this.hash, presented).catch(() => false));
    } finally {
      this.checking--;
    }
    if (ok) {
      this.verified.add(d);
      this.lastVerified = new LastVerified(presented);
    } else {
      if (this.rejected.size >= 10_000) this.rejected.delete(this.rejected.keys().next().value as string);
      this.rejected.set(d, true);
    }
    return ok;
  }
}

/** The key that verified last, as bytes, with a buffer of its length to compare a presented key in. */
class LastVerified {
  readonly bytes: Buffer;
  readonly scratch: Buffer;

  constructor(key: string) {
    this.bytes = Buffer.from(key);
    this.scratch = Buffer.alloc(this.bytes.length);
  }
}

function readKeyFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new Error(`Invalid configuration:\n  DBFORGE_ADMIN_KEY_FILE: can't read ${file}: ${(error as Error).message}`);
  }
}
