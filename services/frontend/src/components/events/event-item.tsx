'use client';

import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { InlineError } from '@/components/ui/states';
import { newerEventsOf, useRevertMutation, type ChangeEvent } from '@/data/events/events-query';
import { cn } from '@/lib/cn';
import { formatDateTime } from '@/lib/format';
import { changedFields, diffRecords } from '@/lib/event-diff';
import { EventDiff } from './event-diff';

const OP_TONES: Record<ChangeEvent['op'], string> = {
  create: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900/60 dark:text-emerald-100',
  update: 'bg-sky-100 text-sky-900 dark:bg-sky-900/60 dark:text-sky-100',
  delete: 'bg-red-100 text-red-900 dark:bg-red-900/60 dark:text-red-100',
};

/** What the inverse of an event does, for the revert button's hint. */
const REVERT_WORDS: Record<ChangeEvent['op'], string> = {
  create: 'deletes the record',
  update: 'sets the changed fields back',
  delete: 'creates the record again',
};

/** The events listed, by id, so that a conflict can point at the newer events that are on the page. */
export type LoadedIds = ReadonlySet<number>;

/**
 * One event of the timeline: what changed (op, resource or table, record), who did it and when, the before/after
 * diff, and "Revert". A revert that the record's later changes stand in the way of (409) names those events and
 * offers "Revert anyway".
 */
export function EventItem({
  database,
  event,
  canRevert,
  loaded,
}: {
  database: string;
  event: ChangeEvent;
  canRevert: boolean;
  loaded: LoadedIds;
}) {
  const revert = useRevertMutation();
  const [done, setDone] = useState('');
  const newer = newerEventsOf(revert.error);
  const titleId = `event-${event.id}-title`;
  const where = event.resource ?? event.table;
  const changed = event.op === 'update' ? changedFields(diffRecords(event.before, event.after)) : [];

  async function run(force: boolean) {
    setDone('');
    try {
      const reply = await revert.mutateAsync({ database, id: event.id, force });
      setDone(reply.event ? `Reverted as event ${reply.event.id}.` : 'Reverted: nothing needed to change.');
    } catch {
      // Shown from revert.error below.
    }
  }

  return (
    <li id={`event-${event.id}`} className="scroll-mt-20">
      <article aria-labelledby={titleId} className="space-y-2 rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
        <header className="flex flex-wrap items-center gap-x-3 gap-y-1">
          <h3 id={titleId} className="flex flex-wrap items-center gap-2 text-sm font-semibold">
            <span className={cn('rounded-full px-2 py-0.5 text-xs font-medium', OP_TONES[event.op])}>{event.op}</span>{' '}
            <span className="font-mono">{where}</span>{' '}
            {event.record_id !== null ? <span className="font-mono font-normal">record {event.record_id}</span> : null}
            <span className="sr-only">, event {event.id}</span>
          </h3>
          <span className="font-mono text-xs text-zinc-600 dark:text-zinc-400" aria-hidden="true">
            #{event.id}
          </span>
          {event.reverts !== null ? (
            <a href={`#event-${event.reverts}`} className="text-xs text-indigo-700 underline dark:text-indigo-300">
              reverts #{event.reverts}
            </a>
          ) : null}
          <div className="ml-auto flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400">
            <span>
              by <span className="font-mono text-zinc-900 dark:text-zinc-100">{event.actor.id}</span>
            </span>
            <span>via {event.source}</span>
            <time dateTime={event.at}>{formatDateTime(event.at)}</time>
          </div>
        </header>
        {event.op === 'update' && changed.length > 0 ? (
          <p className="text-xs text-zinc-600 dark:text-zinc-400">Changed: {changed.join(', ')}</p>
        ) : null}
        <EventDiff event={event} />
        {canRevert && event.record_id !== null ? (
          <div className="flex flex-wrap items-center gap-3">
            <Button size="sm" onClick={() => void run(false)} disabled={revert.isPending} aria-label={`Revert event ${event.id}`} title={`The inverse ${REVERT_WORDS[event.op]}, as a new event.`}>
              {revert.isPending ? 'Reverting…' : 'Revert'}
            </Button>
            <p role="status" className="text-xs text-emerald-700 empty:hidden dark:text-emerald-400">
              {done}
            </p>
          </div>
        ) : null}
        {newer.length > 0 ? (
          <div role="alert" className="space-y-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
            <p>
              The record changed after this event:{' '}
              {newer.map((id, index) => (
                <span key={id}>
                  {index > 0 ? ', ' : ''}
                  {loaded.has(id) ? (
                    <a href={`#event-${id}`} className="font-mono underline">
                      event {id}
                    </a>
                  ) : (
                    <span className="font-mono">event {id}</span>
                  )}
                </span>
              ))}{' '}
              came later. Revert {newer.length === 1 ? 'it' : 'those'} first, or revert anyway: its changes would be overwritten.
            </p>
            <Button variant="danger" size="sm" onClick={() => void run(true)} disabled={revert.isPending}>
              Revert anyway
            </Button>
          </div>
        ) : revert.error ? (
          <InlineError>{revert.error.message}</InlineError>
        ) : null}
      </article>
    </li>
  );
}
