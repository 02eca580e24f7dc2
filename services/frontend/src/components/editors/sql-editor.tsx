'use client';

import { closeCompletion } from '@codemirror/autocomplete';
import { PostgreSQL, SQLite, sql, type SQLNamespace } from '@codemirror/lang-sql';
import { Prec } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import type { TableSummary } from '@dbforge/contracts';
import { useEffect, useMemo, useRef, type Ref } from 'react';
import { CodeEditor, type CodeEditorHandle } from './code-editor';
import { runnableSql } from './sql-statement';

export interface SqlEditorProps {
  /** Tables and their columns, for completion. */
  tables?: readonly TableSummary[];
  engine?: 'sqlite' | 'duckdb';
  initialValue?: string;
  /** Called with the statement at the cursor, or the selection, on Ctrl/Cmd+Enter. */
  onRun: (sql: string) => void;
  onChange?: (value: string) => void;
  className?: string;
  ref?: Ref<CodeEditorHandle>;
}

/** The completion schema of lang-sql: each table with its column names. */
export function completionSchema(tables: readonly TableSummary[]): SQLNamespace {
  return Object.fromEntries(tables.map((t) => [t.name, t.columns.map((c) => c.name)]));
}

export function SqlEditor({ tables = [], engine = 'sqlite', initialValue, onRun, onChange, className, ref }: SqlEditorProps) {
  const onRunRef = useRef(onRun);
  useEffect(() => {
    onRunRef.current = onRun;
  }, [onRun]);

  const extensions = useMemo(
    () => [
      // Highest precedence: the default keymap binds Mod-Enter to "insert blank line".
      Prec.highest(
        // The ref is read when Ctrl/Cmd+Enter is pressed, never during render; the rule can't tell the two apart.
        // eslint-disable-next-line react-hooks/refs
        keymap.of([
          {
            key: 'Mod-Enter',
            preventDefault: true,
            run: (view) => {
              closeCompletion(view);
              onRunRef.current(runnableSql(view.state));
              return true;
            },
          },
        ]),
      ),
      // DuckDB's SQL is closest to PostgreSQL's of the dialects CodeMirror knows.
      sql({ dialect: engine === 'duckdb' ? PostgreSQL : SQLite, schema: completionSchema(tables), upperCaseKeywords: true }),
    ],
    [tables, engine],
  );

  return (
    <CodeEditor
      ariaLabel="SQL editor"
      placeholder="SELECT * FROM …"
      initialValue={initialValue}
      extensions={extensions}
      onChange={onChange}
      className={className}
      ref={ref}
    />
  );
}
