import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type * as Argon2 from 'argon2';
import { Errors } from '@dbforge/contracts';

const PREFIX = 'enc:v1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Field encryption: AES-256-GCM with one key per database, kept in a file beside the database (never inside it, so
 * no SQL can read it), created on first use with mode 0600. Each value has its own random IV, and the resource and
 * field name are authenticated with it, so a ciphertext copied into another field does not decrypt.
 */
export class FieldCrypto {
  private key: Buffer | undefined;

  constructor(private readonly keyFile: string) {}

  private loadKey(): Buffer {
    if (this.key !== undefined) return this.key;
    try {
      this.key = Buffer.from(fs.readFileSync(this.keyFile, 'utf8').trim(), 'base64');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw Errors.internal(error);
      fs.mkdirSync(path.dirname(this.keyFile), { recursive: true, mode: 0o700 });
      const key = crypto.randomBytes(KEY_BYTES);
      try {
        // `wx`: two writers racing never overwrite a key that may already encrypt data.
        fs.writeFileSync(this.keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
        this.key = key;
      } catch (writeError) {
        if ((writeError as NodeJS.ErrnoException).code !== 'EEXIST') throw Errors.internal(writeError);
        this.key = Buffer.from(fs.readFileSync(this.keyFile, 'utf8').trim(), 'base64');
      }
    }
    if (this.key.length !== KEY_BYTES) throw Errors.internal(new Error(`the field key in ${this.keyFile} is not ${KEY_BYTES} bytes`));
    return this.key;
  }

  encrypt(plain: string, context: string): string {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.loadKey(), iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** The plain text, or the stored value as it is when it was never encrypted (written before `encrypt` was set). */
  decrypt(stored: string, context: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
    const iv = raw.subarray(0, IV_BYTES);
    const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.loadKey(), iv);
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (error) {
      throw Errors.internal(new Error(`a value of ${context} does not decrypt with this database's key`, { cause: error }));
    }
  }

  static isEncrypted(value: unknown): boolean {
    return typeof value === 'string' && value.startsWith(PREFIX);
  }
}

// Loaded on first use: a worker whose resources have no passwords never carries the native module.
let argon2Module: Promise<typeof Argon2> | undefined;
function argon2(): Promise<typeof Argon2> {
  argon2Module ??= import('argon2');
  return argon2Module;
}

/** argon2id with the library's defaults (RFC 9106's second recommended option, tuned by the library). */
export async function hashPassword(plain: string): Promise<string> {
  const lib = await argon2();
  return lib.hash(plain, { type: lib.argon2id });
}

export function isHash(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith('$argon2');
}

export async function verifyPassword(hash: string, plain: string): Promise<boolean> {
  const lib = await argon2();
  return lib.verify(hash, plain);
}
