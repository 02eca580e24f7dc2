import { DbForgeError } from '@dbforge/contracts';

const PREFIX = '_dbforge_';

/**
 * Whether a statement names an object with the reserved prefix `_dbforge_` anywhere (a table, a trigger, an index),
 * bare or quoted, skipping comments and string literals. Used on statements the engine says will write: any such
 * statement could change the event log or the engine's own tables, which raw SQL may read but never change.
 */
export function namesReservedObject(sql: string): boolean {
  const lower = sql.toLowerCase();
  if (!lower.includes(PREFIX)) return false;
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      const end = sql.indexOf('\n', i + 2);
      i = end === -1 ? n : end + 1;
      continue;
    }
    if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
      continue;
    }
    if (c === 39) {
      // A string literal ('' is an escaped quote). SQLite takes a string where a table name belongs as the name
      // (`INSERT INTO '_dbforge_events' ...` works), so a literal that starts with the prefix counts too.
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf("'", j);
        if (k === -1) {
          j = n;
          break;
        }
        if (sql[k + 1] === "'") {
          j = k + 2;
          continue;
        }
        j = k + 1;
        break;
      }
      if (lower.startsWith(PREFIX, i + 1)) return true;
      i = j;
      continue;
    }
    if (c === 34 || c === 96 || c === 91) {
      const close = c === 91 ? ']' : sql[i]!;
      let j = i + 1;
      let ident = '';
      for (;;) {
        const k = sql.indexOf(close, j);
        if (k === -1) {
          ident += sql.slice(j);
          j = n;
          break;
        }
        ident += sql.slice(j, k);
        if (c !== 91 && sql[k + 1] === close) {
          ident += close;
          j = k + 2;
          continue;
        }
        j = k + 1;
        break;
      }
      if (ident.toLowerCase().startsWith(PREFIX)) return true;
      i = j;
      continue;
    }
    if (isWordChar(c)) {
      let j = i + 1;
      while (j < n && isWordChar(sql.charCodeAt(j))) j++;
      if (lower.startsWith(PREFIX, i)) return true;
      i = j;
      continue;
    }
    i++;
  }
  return false;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c > 127;
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
