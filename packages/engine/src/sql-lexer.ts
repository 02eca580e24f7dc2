/**
 * The one SQL lexer of the engine's text checks (the statement guard's leading keywords, the reserved-name check):
 * it walks a statement's tokens, skipping whitespace and comments, so that a keyword or a name is never found inside
 * a comment or a string, and never missed behind one.
 */

/** `word`: a bare word; `string`: a '...' literal; `ident`: a "...", `...` or [...] identifier; `punct`: one character. */
export type SqlTokenKind = 'word' | 'string' | 'ident' | 'punct';

/**
 * Calls `visit` for each token in order with its kind and the bounds of its text (for a quoted token, the text between
 * the quotes, escapes left as they are); `visit` answers true to stop. An unterminated quote runs to the end. Empty
 * statements before the first token (`;`) are skipped, as both engines skip them: `;ATTACH ...` runs the ATTACH.
 */
export function scanSql(sql: string, visit: (kind: SqlTokenKind, start: number, end: number) => boolean | void): void {
  const n = sql.length;
  let i = 0;
  let started = false;
  while (i < n) {
    const c = sql.charCodeAt(i);
    // whitespace, and the byte-order mark (SQLite and DuckDB skip it before a statement)
    if (c === 32 || (c >= 9 && c <= 13) || c === 0xfeff) {
      i++;
      continue;
    }
    // -- line comment
    if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      const end = sql.indexOf('\n', i + 2);
      i = end === -1 ? n : end + 1;
      continue;
    }
    // /* block comment */
    if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
      continue;
    }
    // quoted string or identifier: a doubled quote is an escaped quote (not for [brackets])
    if (c === 39 || c === 34 || c === 96 || c === 91) {
      const close = c === 91 ? ']' : sql[i]!;
      let j = i + 1;
      let contentEnd = n;
      for (;;) {
        const k = sql.indexOf(close, j);
        if (k === -1) {
          j = n;
          break;
        }
        if (c !== 91 && sql[k + 1] === close) {
          j = k + 2;
          continue;
        }
        contentEnd = k;
        j = k + 1;
        break;
      }
      started = true;
      if (visit(c === 39 ? 'string' : 'ident', i + 1, contentEnd)) return;
      i = j;
      continue;
    }
    // bare word
    if (isWordChar(c)) {
      let j = i + 1;
      while (j < n && isWordChar(sql.charCodeAt(j))) j++;
      started = true;
      if (visit('word', i, j)) return;
      i = j;
      continue;
    }
    if (!started && c === 59) {
      i++;
      continue;
    }
    started = true;
    if (visit('punct', i, i + 1)) return;
    i++;
  }
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c > 127;
}
