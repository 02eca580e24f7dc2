'use client';

import { closeCompletion } from '@codemirror/autocomplete';
import { useCallback, useRef, useState } from 'react';
import type { CodeEditorHandle } from '@/components/editors/code-editor';
import { SqlEditor } from '@/components/editors/sql-editor';
import { runnableSql } from '@/components/editors/sql-statement';
import { Button } from '@/components/ui/button';
import { useDatabaseQuery } from '@/data/databases/database-query';
import { addToHistory } from '@/data/sql/local-queries';
import { useSqlExecuteMutation } from '@/data/sql/sql-execute-mutation';
import { useTablesQuery } from '@/data/tables/tables-query';
import { QueryLibrary } from './query-library';
import { ResultPanel, type RunState } from './result-panel';
import { SaveQueryDialog } from './save-query-dialog';

const NO_TABLES: never[] = [];

export function SqlWorkspace({ database }: { database: string }) {
  const editor = useRef<CodeEditorHandle>(null);
  const tables = useTablesQuery(database);
  const info = useDatabaseQuery(database);
  const { mutate } = useSqlExecuteMutation(database);
  const [run, setRun] = useState<RunState | null>(null);
  const runCounter = useRef(0);

  const runSql = useCallback(
    (sql: string) => {
      if (sql.length === 0) return;
      addToHistory(database, sql);
      const id = ++runCounter.current;
      setRun({ id, sql, status: 'pending' });
      mutate(sql, {
        onSuccess: (reply) => setRun((current) => (current?.id === id ? { id, sql, status: 'done', reply } : current)),
        onError: (error) => setRun((current) => (current?.id === id ? { id, sql, status: 'failed', error } : current)),
      });
    },
    [database, mutate],
  );

  const runFromEditor = () => {
    const view = editor.current?.view();
    if (!view) return;
    closeCompletion(view);
    runSql(runnableSql(view.state));
  };

  const load = (sql: string) => {
    editor.current?.setValue(sql);
    editor.current?.focus();
  };

  return (
    <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_18rem]">
      <section aria-label="Query" className="min-w-0 space-y-3">
        <div className="flex flex-wrap items-center gap-2">
          <Button variant="primary" onClick={runFromEditor} disabled={run?.status === 'pending'} aria-keyshortcuts="Control+Enter Meta+Enter">
            Run
          </Button>
          <SaveQueryDialog database={database} getSql={() => editor.current?.getValue() ?? ''} />
          <p className="text-xs text-zinc-500 dark:text-zinc-400">
            <kbd className="rounded border border-zinc-300 px-1 dark:border-zinc-700">Ctrl</kbd>/
            <kbd className="rounded border border-zinc-300 px-1 dark:border-zinc-700">⌘</kbd>+
            <kbd className="rounded border border-zinc-300 px-1 dark:border-zinc-700">Enter</kbd> runs the statement at the
            cursor, or the selected text.
          </p>
        </div>
        <SqlEditor
          ref={editor}
          tables={tables.data?.tables ?? NO_TABLES}
          engine={info.data?.engine ?? 'sqlite'}
          onRun={runSql}
          className="h-56 resize-y overflow-hidden rounded-md border border-zinc-300 dark:border-zinc-700"
        />
        <ResultPanel database={database} run={run} />
      </section>
      <QueryLibrary database={database} onLoad={load} />
    </div>
  );
}
