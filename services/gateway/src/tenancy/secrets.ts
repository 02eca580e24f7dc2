import crypto from 'node:crypto';
import argon2 from 'argon2';

/**
 * API keys and refresh tokens are long random secrets: a SHA-256 digest is enough to store them (nothing to guess),
 * and checking one costs microseconds on every request. Passwords are short and chosen by people: argon2id.
 *
 * An API key reads `dbf_<id>_<secret>`: the id finds the key without scanning, the secret proves it.
 */
const KEY_RE = /^dbf_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKey {
  id: string;
  /** Shown once, to whoever created the key. */
  secret: string;
  hash: string;
  /** The first characters, safe to list, so people can tell their keys apart. */
  prefix: string;
}

export function newApiKey(): NewApiKey {
  const id = crypto.randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12);
  const token = crypto.randomBytes(32).toString('base64url');
  const secret = `dbf_${id}_${token}`;
  return { id, secret, hash: digest(secret), prefix: secret.slice(0, 20) };
}

export function parseApiKey(presented: string): { id: string } | undefined {
  const match = KEY_RE.exec(presented);
  return match ? { id: match[1]! } : undefined;
}

export function digest(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export function newRefreshToken(): { token: string; hash: string } {
  const token = `dbr_${crypto.randomBytes(32).toString('base64url')}`;
  return { token, hash: digest(token) };
}

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

/** A hash of nothing anyone knows, verified against when an account does not exist, so both cost the same time. */
let decoy: Promise<string> | undefined;

export async function verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
  decoy ??= argon2.hash(crypto.randomBytes(16).toString('hex'), { type: argon2.argon2id });
  const target = hash ?? (await decoy);
  const ok = await argon2.verify(target, password).catch(() => false);
  return hash !== undefined && ok;
}
