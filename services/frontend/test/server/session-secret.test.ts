import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SESSION_SECRET_FILE, loadSessionSecret, secretsDir } from '@/server/session-secret';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-secret-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the session secret', () => {
  it('is generated on first start into the secrets directory, readable by the owner only, and reused afterwards', () => {
    const dir = path.join(tempDir(), 'secrets');
    const env = { DBFORGE_SECRETS_DIR: dir };
    const first = loadSessionSecret({ env });
    expect(first.length).toBeGreaterThanOrEqual(32);
    const file = path.join(dir, SESSION_SECRET_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadSessionSecret({ env })).toBe(first);
  });

  it('comes from FRONTEND_SESSION_SECRET when set, and nothing is written', () => {
    const dir = tempDir();
    const secret = 'x'.repeat(40);
    expect(loadSessionSecret({ env: { FRONTEND_SESSION_SECRET: secret, DBFORGE_SECRETS_DIR: dir } })).toBe(secret);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it.each([
    ['a FRONTEND_SESSION_SECRET under 32 characters', { FRONTEND_SESSION_SECRET: 'short' }, /FRONTEND_SESSION_SECRET: at least 32 characters/],
  ])('refuses %s, naming the variable', (_what, env, message) => {
    expect(() => loadSessionSecret({ env })).toThrow(message);
  });

  it('refuses a secret file that holds too little, and says how to recover', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, SESSION_SECRET_FILE), 'tiny\n', { mode: 0o600 });
    expect(() => loadSessionSecret({ env: { DBFORGE_SECRETS_DIR: dir } })).toThrow(/Delete it to generate a new session secret/);
  });

  it('defaults to the repository’s secrets/ directory, two levels above the console', () => {
    expect(secretsDir({ env: {}, cwd: '/srv/db-forge/services/frontend' })).toBe('/srv/db-forge/secrets');
  });
});
