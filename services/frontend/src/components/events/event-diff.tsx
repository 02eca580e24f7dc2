'use client';

import { useState } from 'react';
import { Button } from '@/components/ui/button';
import type { ChangeEvent } from '@/data/events/events-query';
import { cn } from '@/lib/cn';
import { diffRecords, diffValue, type FieldDiff } from '@/lib/event-diff';

const cell = 'px-3 py-1 align-top';

function Value({ value, present }: { value: unknown; present: boolean }) {
  if (!present) return <span className="text-zinc-600 dark:text-zinc-400">—</span>;
  if (value === null) return <span className="text-zinc-600 italic dark:text-zinc-400">null</span>;
  return <span className="break-all whitespace-pre-wrap">{diffValue(value)}</span>;
}

/**
 * An event's record before and after the change. An update shows the fields it changed, highlighted, each with its
 * old and new value (the unchanged ones on request); a create shows the new record, a delete the removed one.
 */
export function EventDiff({ event }: { event: Pick<ChangeEvent, 'id' | 'op' | 'before' | 'after'> }) {
  const [showAll, setShowAll] = useState(false);
  const diff = diffRecords(event.before, event.after);
  const update = event.op === 'update';
  const unchanged = diff.filter((d) => d.change === 'unchanged').length;
  const rows = update && !showAll ? diff.filter((d) => d.change !== 'unchanged') : diff;

  if (diff.length === 0) return <p className="text-sm text-zinc-600 dark:text-zinc-400">No fields recorded.</p>;
  return (
    <div className="space-y-1">
      <div className="overflow-x-auto rounded-md border border-zinc-200 dark:border-zinc-800">
        <table className="w-full text-left font-mono text-xs">
          <caption className="sr-only">
            {update ? `Fields changed by event ${event.id}` : event.op === 'create' ? `Record created by event ${event.id}` : `Record deleted by event ${event.id}`}
          </caption>
          <thead className="border-b border-zinc-200 font-sans text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
            <tr>
              <th scope="col" className={cn(cell, 'font-medium')}>Field</th>
              {update || event.op === 'delete' ? <th scope="col" className={cn(cell, 'font-medium')}>Before</th> : null}
              {update || event.op === 'create' ? <th scope="col" className={cn(cell, 'font-medium')}>After</th> : null}
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {rows.map((row) => (
              <DiffRow key={row.field} row={row} op={event.op} />
            ))}
          </tbody>
        </table>
      </div>
      {update && unchanged > 0 ? (
        <Button variant="ghost" size="sm" onClick={() => setShowAll((v) => !v)} aria-expanded={showAll}>
          {showAll ? 'Hide unchanged fields' : `Show ${unchanged} unchanged ${unchanged === 1 ? 'field' : 'fields'}`}
        </Button>
      ) : null}
    </div>
  );
}

function DiffRow({ row, op }: { row: FieldDiff; op: ChangeEvent['op'] }) {
  const changed = op === 'update' && row.change !== 'unchanged';
  return (
    <tr data-change={op === 'update' ? row.change : undefined} className={changed ? 'bg-amber-50 dark:bg-amber-950/40' : undefined}>
      <th scope="row" className={cn(cell, 'font-medium whitespace-nowrap')}>
        {row.field}
        {changed ? (
          <span className="ml-2 rounded bg-amber-200 px-1 font-sans text-[11px] font-medium text-amber-950 dark:bg-amber-800 dark:text-amber-50">
            {row.change}
          </span>
        ) : null}
      </th>
      {op === 'update' || op === 'delete' ? (
        <td className={cn(cell, changed && 'bg-red-50 text-red-950 dark:bg-red-950/50 dark:text-red-100')}>
          {changed ? <span className="sr-only">was </span> : null}
          <Value value={row.before} present={row.hasBefore} />
        </td>
      ) : null}
      {op === 'update' || op === 'create' ? (
        <td className={cn(cell, changed && 'bg-emerald-50 text-emerald-950 dark:bg-emerald-950/50 dark:text-emerald-100')}>
          {changed ? <span className="sr-only">now </span> : null}
          <Value value={row.after} present={row.hasAfter} />
        </td>
      ) : null}
    </tr>
  );
}
