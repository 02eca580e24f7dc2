'use client';

import { Button } from '@/components/ui/button';
import { isApiError } from '@/data/fetcher';
import { isRowsReply, type QueryReply, type QueryRowsReply } from '@/data/sql/sql-execute-mutation';
import { formatDuration, plural } from '@/lib/format';
import { ResultsGrid } from './results-grid';

export type RunState =
  | { id: number; sql: string; status: 'pending' }
  | { id: number; sql: string; status: 'done'; reply: QueryReply }
  | { id: number; sql: string; status: 'failed'; error: Error };

const ERROR_TITLES: Record<string, string> = {
  SQL_ERROR: 'SQL error',
  TIMEOUT: 'The statement ran longer than the database allows',
  FORBIDDEN: 'The statement was refused',
  VALIDATION_ERROR: 'The request was not valid',
  NOT_FOUND: 'Not found',
  WORKER_UNAVAILABLE: 'The database is not available',
};

export function ResultPanel({ database, run }: { database: string; run: RunState | null }) {
  if (run === null) {
    return <p className="rounded-md border border-dashed border-zinc-300 p-6 text-sm text-zinc-500 dark:border-zinc-700 dark:text-zinc-400">Run a statement to see its result here.</p>;
  }
  if (run.status === 'pending') {
    return (
      <p role="status" className="p-4 text-sm text-zinc-500 dark:text-zinc-400">
        Running…
      </p>
    );
  }
  if (run.status === 'failed') {
    const code = isApiError(run.error) ? run.error.code : 'ERROR';
    return (
      <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
        <p className="font-semibold">{ERROR_TITLES[code] ?? 'The statement failed'}</p>
        <pre className="mt-1 font-mono text-xs break-words whitespace-pre-wrap">{run.error.message}</pre>
      </div>
    );
  }
  const reply = run.reply;
  if (!isRowsReply(reply)) {
    return (
      <div role="status" className="rounded-md border border-emerald-300 bg-emerald-50 p-4 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100">
        <p className="font-semibold">{reply.message}</p>
        <p className="mt-1">
          {plural(reply.rows_affected, 'row')} affected
          {reply.last_insert_rowid !== null ? ` · last insert rowid ${reply.last_insert_rowid}` : ''} · {formatDuration(reply.duration_ms)}
        </p>
      </div>
    );
  }
  return <RowsResult key={run.id} database={database} reply={reply} />;
}

function RowsResult({ database, reply }: { database: string; reply: QueryRowsReply }) {
  async function exportAs(format: 'csv' | 'json') {
    // Loaded on demand: the CSV writer is not needed until someone exports.
    const { downloadText, exportFilename, resultsToCsv, resultsToJson } = await import('@/lib/export-results');
    if (format === 'csv') downloadText(exportFilename(database, 'csv'), 'text/csv;charset=utf-8', resultsToCsv(reply.columns, reply.data));
    else downloadText(exportFilename(database, 'json'), 'application/json', resultsToJson(reply.data));
  }

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <p role="status" className="text-sm">
          <span className="font-medium">{plural(reply.rows_affected, 'row')}</span>
          <span className="text-zinc-500 dark:text-zinc-400"> · {formatDuration(reply.duration_ms)}</span>
          {reply.truncated ? (
            <span className="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-900/60 dark:text-amber-100">
              Truncated: more rows matched than the database&apos;s result limits allow
            </span>
          ) : (
            <span className="text-zinc-500 dark:text-zinc-400"> · complete</span>
          )}
        </p>
        <div className="ml-auto flex gap-2">
          <Button size="sm" onClick={() => void exportAs('csv')}>
            Export CSV
          </Button>
          <Button size="sm" onClick={() => void exportAs('json')}>
            Export JSON
          </Button>
        </div>
      </div>
      {reply.columns.length === 0 ? (
        <p className="text-sm text-zinc-500">The statement returned no columns.</p>
      ) : (
        <>
          <ResultsGrid columns={reply.columns} rows={reply.data} />
          {reply.data.length === 0 ? <p className="text-sm text-zinc-500 dark:text-zinc-400">No rows.</p> : null}
        </>
      )}
    </div>
  );
}
