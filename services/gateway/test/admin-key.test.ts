import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY_FILE, AdminKeyStore } from '../src/auth/admin-key.js';
import { tempDir } from './helpers.js';

describe('AdminKeyStore', () => {
  it('generates a key once, keeps only its argon2id hash, and verifies it after a reload', async () => {
    const secretsDir = tempDir();
    const first = await AdminKeyStore.load({ secretsDir });
    expect(first.origin).toBe('generated');
    const key = first.generatedKey!;
    expect(key).toMatch(/^dbf_admin_/);
    const file = fs.readFileSync(path.join(secretsDir, ADMIN_KEY_FILE), 'utf8');
    expect(file).not.toContain(key);
    expect(await first.store.verify(key)).toBe(true);

    const second = await AdminKeyStore.load({ secretsDir });
    expect(second.origin).toBe('stored-hash');
    expect(second.generatedKey).toBeUndefined();
    expect(await second.store.verify(key)).toBe(true);
    expect(await second.store.verify(`${key}x`)).toBe(false);
    expect(await second.store.verify('')).toBe(false);
  });

  it('remembers verdicts so that repeated keys cost no argon2 work', async () => {
    const secretsDir = tempDir();
    const { generatedKey } = await AdminKeyStore.load({ secretsDir });
    const { store } = await AdminKeyStore.load({ secretsDir });
    await store.verify(generatedKey!);
    await store.verify('wrong-key-wrong-key-wrong');
    const started = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) {
      await store.verify(generatedKey!);
      await store.verify('wrong-key-wrong-key-wrong');
    }
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(200);
  });

  it('answers false, never throws, for a key of the right length in characters but not in bytes', async () => {
    const secretsDir = tempDir();
    const { store } = await AdminKeyStore.load({ key: 'k'.repeat(32), secretsDir });
    expect(await store.verify('k'.repeat(32))).toBe(true);
    expect(await store.verify(`é${'a'.repeat(31)}`)).toBe(false);
  });

  it('tells at once what it knows without argon2, and compares a key of the same length in bytes as the last one verified', async () => {
    const secretsDir = tempDir();
    const { generatedKey } = await AdminKeyStore.load({ secretsDir });
    const { store } = await AdminKeyStore.load({ secretsDir });
    // Not verified yet: only argon2 can tell; something that can't be a generated key is refused at once.
    expect(store.verifyNow(generatedKey!)).toBeUndefined();
    expect(store.verifyNow('short')).toBe(false);
    expect(await store.verify(generatedKey!)).toBe(true);
    expect(store.verifyNow(generatedKey!)).toBe(true);
    // The same length in bytes as the key (one two-byte character): compared with it, and refused.
    const sameBytes = `é${generatedKey!.slice(2)}`;
    expect(Buffer.byteLength(sameBytes)).toBe(Buffer.byteLength(generatedKey!));
    expect(store.verifyNow(sameBytes)).toBe(false);
    // Differing in the last character only.
    const lastChanged = `${generatedKey!.slice(0, -1)}${generatedKey!.endsWith('A') ? 'B' : 'A'}`;
    expect(await store.verify(lastChanged)).toBe(false);
    expect(store.verifyNow(generatedKey!)).toBe(true);
  });

  it('runs at most two argon2 checks of guesses at once and refuses the rest', async () => {
    const secretsDir = tempDir();
    const { generatedKey } = await AdminKeyStore.load({ secretsDir });
    const { store } = await AdminKeyStore.load({ secretsDir });
    const guesses = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `dbf_admin_${tag}${String(i).repeat(42)}`);
    const timed = async (keys: string[]) => {
      const started = process.hrtime.bigint();
      expect(await Promise.all(keys.map((k) => store.verify(k)))).toEqual(keys.map(() => false));
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const two = await timed(guesses('a', 2));
    // Six at once cost what two do: four are refused without the work (run, they would take three times as long).
    const six = await timed(guesses('b', 6));
    expect(six).toBeLessThan(2 * two);
    expect(await store.verify(generatedKey!)).toBe(true);
  });

  it('takes a key from the environment or a file, and refuses a weak one', async () => {
    const secretsDir = tempDir();
    const env = await AdminKeyStore.load({ key: 'k'.repeat(32), secretsDir });
    expect(env.origin).toBe('environment');
    expect(await env.store.verify('k'.repeat(32))).toBe(true);
    expect(fs.existsSync(path.join(secretsDir, ADMIN_KEY_FILE))).toBe(false);
    const keyFile = path.join(secretsDir, 'admin.key');
    fs.writeFileSync(keyFile, `${'f'.repeat(30)}\n`);
    expect(await (await AdminKeyStore.load({ keyFile, secretsDir })).store.verify('f'.repeat(30))).toBe(true);
    await expect(AdminKeyStore.load({ key: 'admin', secretsDir })).rejects.toThrow(/DBFORGE_ADMIN_KEY.*at least 24/);
  });

  it('refuses a hash file it does not understand instead of starting without a key', async () => {
    const secretsDir = tempDir();
    fs.writeFileSync(path.join(secretsDir, ADMIN_KEY_FILE), JSON.stringify({ algorithm: 'md5', hash: 'abc' }));
    await expect(AdminKeyStore.load({ secretsDir })).rejects.toThrow(/argon2id/);
  });
});
