import { DbForgeError } from '@dbforge/contracts';
import { scanSql } from '../sql-lexer.js';

const PREFIX = '_dbforge_';

/**
 * Whether a statement names an object with the reserved prefix `_dbforge_` anywhere (a table, a trigger, an index),
 * bare or quoted, skipping comments and string literals. Used on statements the engine says will write: any such
 * statement could change the event log or the engine's own tables, which raw SQL may read but never change.
 */
export function namesReservedObject(sql: string): boolean {
  if (!sql.toLowerCase().includes(PREFIX)) return false;
  let found = false;
  // SQLite takes a string where a table name belongs as the name (`INSERT INTO '_dbforge_events' ...` works), so a
  // literal that starts with the prefix counts too. The prefix holds no quote, so escapes can't hide or fake it. Each
  // token is compared on its own: lower-casing the whole text can change its length ('İ' becomes two characters), and
  // the tokens' positions would no longer match it.
  scanSql(sql, (kind, start) => (found = kind !== 'punct' && sql.slice(start, start + PREFIX.length).toLowerCase() === PREFIX));
  return found;
}

export function reservedWriteRefused(): DbForgeError {
  return new DbForgeError(
    'FORBIDDEN',
    "Statements that write can't name DB-Forge's own objects (prefix _dbforge_): the event log and the engine's tables can be read, never changed, through SQL.",
  );
}

/** Objects no SQL may name at all, not even to read: the database users' password hashes. */
export const SECRET_PREFIX = '_dbforge_secret_';

/**
 * Whether a statement mentions a secret object anywhere, in any quoting, in a comment or a string. Deliberately
 * blunt: there is no way to name a table without its name appearing in the text, and nothing legitimate needs it.
 */
export function namesSecretObject(sql: string): boolean {
  return sql.toLowerCase().includes(SECRET_PREFIX);
}

export function secretObjectRefused(): DbForgeError {
  return new DbForgeError(
    'FORBIDDEN',
    "Statements can't name _dbforge_secret_ objects: the password hashes of the database's users are never readable through SQL.",
  );
}
