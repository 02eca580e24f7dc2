import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const TOKEN_SECRET_FILE = 'token-secret';

/**
 * The key that signs access tokens: DBFORGE_TOKEN_SECRET, or generated on first start into the secrets directory
 * (mode 0600) so that tokens stay valid across restarts. Never a default.
 */
export function loadTokenSecret(configured: string | undefined, secretsDir: string): string {
  if (configured !== undefined) return configured;
  const file = path.join(secretsDir, TOKEN_SECRET_FILE);
  if (fs.existsSync(file)) {
    const stored = fs.readFileSync(file, 'utf8').trim();
    if (stored.length < 32) throw new Error(`${file} holds less than 32 characters: delete it to generate a new one.`);
    return stored;
  }
  const secret = crypto.randomBytes(48).toString('base64url');
  fs.mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${secret}\n`, { mode: 0o600 });
  fs.renameSync(temporary, file);
  return secret;
}
