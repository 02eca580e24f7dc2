import crypto from 'node:crypto';
import type * as Argon2Module from 'argon2';
import { DbForgeError } from '@dbforge/contracts';
import type { DatabaseAdapter, TxValue } from '../types.js';

/**
 * A database's own users: the people of the app it serves, not of the platform. They sign up and sign in against
 * this one database; their tokens (`dbu_...`) mean nothing anywhere else. The built-in users resource is what
 * `auto_user_add`, `auto_user` and `references: users` point to.
 */
export interface DatabaseUser {
  id: string;
  email: string;
  roles: string[];
  created_at: string;
}

export interface Session {
  token: string;
  expires_at: string;
}

export const USERS_TABLE = '_dbforge_users';
export const SESSIONS_TABLE = '_dbforge_sessions';
export const PASSWORDS_TABLE = '_dbforge_secret_passwords';

/** The tables of a database's users, created when first needed (by the users or by a reference to them). */
export const USER_TABLES_SQL = [
  `CREATE TABLE IF NOT EXISTS ${USERS_TABLE} (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, roles TEXT NOT NULL, created_at TEXT NOT NULL)`,
  // Password hashes apart, under the prefix no SQL statement may name: users can be read (and joined) through SQL,
  // their hashes never.
  `CREATE TABLE IF NOT EXISTS ${PASSWORDS_TABLE} (user_id TEXT PRIMARY KEY, password_hash TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS ${SESSIONS_TABLE} (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL, revoked_at TEXT)`,
];

const MIN_PASSWORD = 10;
const DEFAULT_ROLES = ['user'];

type Argon2 = typeof Argon2Module;
let argon2: Promise<Argon2> | undefined;
/** argon2 is loaded when the first user signs up or in: a database without users does not carry it. */
function hasher(): Promise<Argon2> {
  argon2 ??= import('argon2');
  return argon2;
}

function digest(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

function normalEmail(email: string): string {
  return email.trim().toLowerCase();
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkCredentials(email: string, password: string): void {
  const problems = [];
  if (!EMAIL.test(email) || email.length > 254) problems.push({ field: 'body.email', message: 'must be an email address' });
  if (password.length < MIN_PASSWORD || password.length > 256) problems.push({ field: 'body.password', message: `must be ${MIN_PASSWORD} to 256 characters` });
  if (problems.length > 0) {
    throw new DbForgeError('VALIDATION_ERROR', `Invalid request: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}.`, { details: problems });
  }
}

function userFrom(row: Record<string, unknown>): DatabaseUser {
  return { id: String(row.id), email: String(row.email), roles: JSON.parse(String(row.roles)) as string[], created_at: String(row.created_at) };
}

export class DatabaseUsers {
  /** Sessions by token digest: every end-user request checks one. Dropped on logout, password change, role change. */
  private readonly sessions = new Map<string, { user: DatabaseUser; expires: number }>();
  private ready: Promise<void> | undefined;
  private decoy: Promise<string> | undefined;

  constructor(
    private readonly adapter: DatabaseAdapter,
    private readonly sessionTtlMs: number = 7 * 24 * 3600 * 1000,
  ) {}

  private ensureTables(): Promise<void> {
    this.ready ??= this.adapter.transaction(async (tx) => {
      for (const sql of USER_TABLES_SQL) await tx.run(sql);
    });
    return this.ready;
  }

  async signup(email: string, password: string): Promise<DatabaseUser> {
    const normal = normalEmail(email);
    checkCredentials(normal, password);
    await this.ensureTables();
    const hash = await (await hasher()).hash(password, { type: 2 /* argon2id */ });
    const user: DatabaseUser = { id: crypto.randomUUID(), email: normal, roles: DEFAULT_ROLES, created_at: new Date().toISOString() };
    await this.adapter.transaction(async (tx) => {
      const taken = await tx.all(`SELECT 1 FROM ${USERS_TABLE} WHERE email = ?`, [normal]);
      if (taken.length > 0) throw new DbForgeError('CONFLICT', 'An account with this email already exists.');
      await tx.run(`INSERT INTO ${USERS_TABLE} (id, email, roles, created_at) VALUES (?, ?, ?, ?)`, [user.id, user.email, JSON.stringify(user.roles), user.created_at]);
      await tx.run(`INSERT INTO ${PASSWORDS_TABLE} (user_id, password_hash) VALUES (?, ?)`, [user.id, hash]);
    });
    return user;
  }

  /** The user and a new session, or undefined; an unknown email costs the same time as a wrong password. */
  async login(email: string, password: string): Promise<{ user: DatabaseUser; session: Session } | undefined> {
    await this.ensureTables();
    const rows = await this.adapter.transaction((tx) =>
      tx.all(`SELECT u.*, p.password_hash FROM ${USERS_TABLE} u JOIN ${PASSWORDS_TABLE} p ON p.user_id = u.id WHERE u.email = ?`, [normalEmail(email)]),
    );
    const row = rows[0];
    const a = await hasher();
    this.decoy ??= a.hash(crypto.randomBytes(16).toString('hex'), { type: 2 });
    const ok = await a.verify(row ? String(row.password_hash) : await this.decoy, password).catch(() => false);
    if (!row || !ok) return undefined;
    const user = userFrom(row);
    return { user, session: await this.openSession(user) };
  }

  private async openSession(user: DatabaseUser): Promise<Session> {
    const token = `dbu_${crypto.randomBytes(32).toString('base64url')}`;
    const now = Date.now();
    const expires = new Date(now + this.sessionTtlMs).toISOString();
    await this.adapter.transaction((tx) =>
      tx.run(`INSERT INTO ${SESSIONS_TABLE} (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`, [
        digest(token),
        user.id,
        new Date(now).toISOString(),
        expires,
      ]),
    );
    return { token, expires_at: expires };
  }

  /** The user a token belongs to, if the session is open. */
  async authenticate(token: string): Promise<DatabaseUser | undefined> {
    const key = digest(token);
    const cached = this.sessions.get(key);
    if (cached && cached.expires > Date.now()) return cached.user;
    await this.ensureTables();
    const rows = await this.adapter.transaction((tx) =>
      tx.all(
        `SELECT u.* , s.expires_at AS session_expires FROM ${SESSIONS_TABLE} s JOIN ${USERS_TABLE} u ON u.id = s.user_id
          WHERE s.token_hash = ? AND s.revoked_at IS NULL`,
        [key],
      ),
    );
    const row = rows[0];
    if (!row || Date.parse(String(row.session_expires)) <= Date.now()) return undefined;
    const user = userFrom(row);
    if (this.sessions.size > 10_000) this.sessions.clear();
    this.sessions.set(key, { user, expires: Math.min(Date.parse(String(row.session_expires)), Date.now() + 60_000) });
    return user;
  }

  async logout(token: string): Promise<void> {
    await this.ensureTables();
    const key = digest(token);
    this.sessions.delete(key);
    await this.adapter.transaction((tx) => tx.run(`UPDATE ${SESSIONS_TABLE} SET revoked_at = ? WHERE token_hash = ?`, [new Date().toISOString(), key]));
  }

  /** Changes the password and ends every other session of the user. */
  async changePassword(userId: string, current: string, next: string, keepToken: string): Promise<void> {
    checkCredentials('x@example.com', next);
    await this.ensureTables();
    const rows = await this.adapter.transaction((tx) => tx.all(`SELECT password_hash FROM ${PASSWORDS_TABLE} WHERE user_id = ?`, [userId]));
    const a = await hasher();
    if (!rows[0] || !(await a.verify(String(rows[0].password_hash), current).catch(() => false))) {
      throw new DbForgeError('UNAUTHORIZED', 'The current password is wrong.');
    }
    const hash = await a.hash(next, { type: 2 });
    await this.adapter.transaction(async (tx) => {
      await tx.run(`UPDATE ${PASSWORDS_TABLE} SET password_hash = ? WHERE user_id = ?`, [hash, userId]);
      await tx.run(`UPDATE ${SESSIONS_TABLE} SET revoked_at = ? WHERE user_id = ? AND token_hash <> ? AND revoked_at IS NULL`, [
        new Date().toISOString(),
        userId,
        digest(keepToken),
      ]);
    });
    this.sessions.clear();
  }

  async list(): Promise<DatabaseUser[]> {
    await this.ensureTables();
    const rows = await this.adapter.transaction((tx) => tx.all(`SELECT * FROM ${USERS_TABLE} ORDER BY created_at, email`));
    return rows.map(userFrom);
  }

  async setRoles(userId: string, roles: string[]): Promise<DatabaseUser> {
    await this.ensureTables();
    const rows = await this.adapter.transaction(async (tx) => {
      const changed = await tx.run(`UPDATE ${USERS_TABLE} SET roles = ? WHERE id = ?`, [JSON.stringify(roles), userId]);
      if (changed === 0) throw new DbForgeError('NOT_FOUND', 'User not found.');
      return tx.all(`SELECT * FROM ${USERS_TABLE} WHERE id = ?`, [userId]);
    });
    this.sessions.clear();
    return userFrom(rows[0]!);
  }

  async remove(userId: string): Promise<void> {
    await this.ensureTables();
    await this.adapter.transaction(async (tx) => {
      const removed = await tx.run(`DELETE FROM ${USERS_TABLE} WHERE id = ?`, [userId]);
      if (removed === 0) throw new DbForgeError('NOT_FOUND', 'User not found.');
      await tx.run(`DELETE FROM ${SESSIONS_TABLE} WHERE user_id = ?`, [userId]);
      await tx.run(`DELETE FROM ${PASSWORDS_TABLE} WHERE user_id = ?`, [userId]);
    });
    this.sessions.clear();
  }

  /** Whether a user id exists (for `references: users`). */
  async exists(userId: TxValue): Promise<boolean> {
    await this.ensureTables();
    const rows = await this.adapter.transaction((tx) => tx.all(`SELECT 1 FROM ${USERS_TABLE} WHERE id = ?`, [userId]));
    return rows.length > 0;
  }
}
