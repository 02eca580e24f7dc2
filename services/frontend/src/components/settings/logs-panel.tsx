'use client';

import { useId, useState } from 'react';
import { Button } from '@/components/ui/button';
import { QueryView } from '@/components/ui/query-view';
import { useDatabaseLogsQuery } from '@/data/databases/database-logs-query';

const TAILS = [50, 100, 500, 1000] as const;

export function LogsPanel({ database }: { database: string }) {
  const [tail, setTail] = useState<number>(100);
  const [follow, setFollow] = useState(false);
  const logs = useDatabaseLogsQuery(database, tail, { follow });
  const tailId = useId();
  const followId = useId();

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-4">
        <div className="flex items-center gap-2">
          <label htmlFor={tailId} className="text-sm font-medium">
            Lines
          </label>
          <select id={tailId} className="field-input w-auto" value={tail} onChange={(event) => setTail(Number(event.target.value))}>
            {TAILS.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <div className="flex items-center gap-2">
          <input id={followId} type="checkbox" checked={follow} onChange={(event) => setFollow(event.target.checked)} className="size-4" />
          <label htmlFor={followId} className="text-sm">
            Follow
          </label>
        </div>
        <Button size="sm" onClick={() => void logs.refetch()} disabled={logs.isFetching}>
          Refresh
        </Button>
      </div>
      <QueryView
        query={logs}
        loadingLabel="Loading the log…"
        errorTitle="The log could not be loaded."
        empty={<p className="text-sm text-zinc-500 dark:text-zinc-400">The worker has logged nothing yet.</p>}
        isEmpty={(log) => log.lines.length === 0}
      >
        {(log) => (
          // Focusable so that keyboard users can scroll it.
          <pre
            tabIndex={0}
            aria-label="Worker log"
            className="max-h-96 overflow-auto rounded-md bg-zinc-950 p-3 font-mono text-xs leading-relaxed text-zinc-100"
          >
            {log.lines.join('\n')}
          </pre>
        )}
      </QueryView>
    </div>
  );
}
