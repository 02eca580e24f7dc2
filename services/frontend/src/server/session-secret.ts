import 'server-only';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const SESSION_SECRET_FILE = 'console-session.key';
export const MIN_SESSION_SECRET_LENGTH = 32;

export interface SessionSecretSource {
  env?: Partial<Record<string, string>>;
  /** Where a relative DBFORGE_SECRETS_DIR starts; the console runs from services/frontend. */
  cwd?: string;
}

/** The secrets directory shared with the gateway: DBFORGE_SECRETS_DIR, or the repository's secrets/. */
export function secretsDir({ env = process.env, cwd = process.cwd() }: SessionSecretSource = {}): string {
  return path.resolve(cwd, env.DBFORGE_SECRETS_DIR || path.join('..', '..', 'secrets'));
}

function readSecretFile(file: string): string {
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < MIN_SESSION_SECRET_LENGTH) {
    throw new Error(
      `Invalid configuration:\n  ${file} holds fewer than ${MIN_SESSION_SECRET_LENGTH} characters. ` +
        'Delete it to generate a new session secret, or set FRONTEND_SESSION_SECRET.',
    );
  }
  return secret;
}

/**
 * The secret that seals session cookies: FRONTEND_SESSION_SECRET, or one generated on first start and kept in the
 * secrets directory, so sessions survive a restart without anyone having to configure a secret.
 */
export function loadSessionSecret(source: SessionSecretSource = {}): string {
  const env = source.env ?? process.env;
  const fromEnv = env.FRONTEND_SESSION_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_SESSION_SECRET_LENGTH) {
      throw new Error(`Invalid configuration:\n  FRONTEND_SESSION_SECRET: at least ${MIN_SESSION_SECRET_LENGTH} characters`);
    }
    return fromEnv;
  }
  const dir = secretsDir(source);
  const file = path.join(dir, SESSION_SECRET_FILE);
  if (fs.existsSync(file)) return readSecretFile(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = crypto.randomBytes(32).toString('base64url');
  try {
    // 'wx': when two processes start together, one writes and the other reads what it wrote.
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readSecretFile(file);
    throw error;
  }
  return secret;
}

let cached: string | undefined;

/** The session secret of this process, loaded once. */
export function sessionSecret(): string {
  cached ??= loadSessionSecret();
  return cached;
}
