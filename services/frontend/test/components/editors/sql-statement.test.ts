import { sql, SQLite } from '@codemirror/lang-sql';
import { EditorSelection, EditorState } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { runnableSql } from '@/components/editors/sql-statement';

const DOC = "CREATE TABLE t (v TEXT);\n\nINSERT INTO t VALUES ('a;b');\nSELECT * FROM t";

function stateAt(doc: string, cursor: number | [number, number]) {
  const selection = typeof cursor === 'number' ? EditorSelection.cursor(cursor) : EditorSelection.range(cursor[0], cursor[1]);
  return EditorState.create({ doc, selection, extensions: [sql({ dialect: SQLite })] });
}

describe('what Ctrl/Cmd+Enter runs', () => {
  it.each([
    ['the first statement, cursor inside it', 3, 'CREATE TABLE t (v TEXT)'],
    ['the statement before, cursor right after its “;”', DOC.indexOf(';') + 1, 'CREATE TABLE t (v TEXT)'],
    ['the second, whose string holds a “;”', DOC.indexOf('INSERT') + 5, "INSERT INTO t VALUES ('a;b')"],
    ['the last, without a “;”', DOC.length, 'SELECT * FROM t'],
  ])('runs %s', (_what, cursor, expected) => {
    expect(runnableSql(stateAt(DOC, cursor))).toBe(expected);
  });

  it('runs only the selected text when there is a selection', () => {
    const from = DOC.indexOf('SELECT');
    expect(runnableSql(stateAt(DOC, [from, from + 'SELECT *'.length]))).toBe('SELECT *');
  });

  it('runs the whole text when the parser finds no statement in it', () => {
    expect(runnableSql(stateAt('   ', 1))).toBe('');
  });
});
