'use client';

import { useQueryClient } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useDatabaseAccess } from '@/components/database/use-database-access';
import { Button } from '@/components/ui/button';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { authKeys } from '@/data/auth/keys';
import { eventStreamUrl, useEventStream } from '@/data/events/event-stream';
import { eventsOf, mergeEvents, useEventsQuery, type ChangeEvent } from '@/data/events/events-query';
import type { EventFilters } from '@/data/events/keys';
import { useSchemaQuery } from '@/data/resources/schema-query';
import { useTablesQuery } from '@/data/tables/tables-query';
import { toLocalDateTime } from '@/lib/format';
import { EventItem } from './event-item';

/**
 * The most live events kept on the page: a busy database would otherwise grow the page without end. Older live events
 * stay in the log (a reload, or the pages, list them).
 */
export const LIVE_EVENTS_KEPT = 500;

interface LiveEvents {
  key: string;
  events: ChangeEvent[];
  /** Live events let go of to stay within the limit. */
  dropped: number;
}

function filtersFrom(params: URLSearchParams): EventFilters {
  const filters: EventFilters = {};
  for (const key of ['resource', 'record', 'since', 'until'] as const) {
    const value = params.get(key);
    if (value) filters[key] = value;
  }
  if (!filters.resource) delete filters.record;
  return filters;
}

/** A `datetime-local` value as the ISO instant the API takes (the browser's time zone), or undefined. */
function isoFromLocal(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/**
 * The database's event log: oldest first, as the API pages it, so the newest events are at the end, where the live
 * ones arrive. Filters live in the URL (a record's "History" links here). Live updates come from the change stream,
 * through the console's proxy.
 */
export function EventsView({
  database,
  liveLimit = LIVE_EVENTS_KEPT,
}: {
  database: string;
  /** The most live events kept on the page (LIVE_EVENTS_KEPT). */
  liveLimit?: number;
}) {
  const searchParams = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const filters = useMemo(() => filtersFrom(new URLSearchParams(searchParams.toString())), [searchParams]);
  const filterKey = JSON.stringify(filters);
  const events = useEventsQuery(database, filters);
  const access = useDatabaseAccess(database);
  const canRevert = access.allowed('write');
  const [liveWanted, setLiveWanted] = useState(true);
  const [live, setLive] = useState<LiveEvents>({ key: filterKey, events: [], dropped: 0 });
  const [announcement, setAnnouncement] = useState('');
  const liveEvents = live.key === filterKey ? live.events : [];
  const dropped = live.key === filterKey ? live.dropped : 0;

  const loaded = eventsOf(events.data);
  const lastLoaded = loaded.at(-1)?.id;
  // What is listed stays (and the stream with it) when a refresh fails; only a first load has nothing to show.
  const loadedOnce = events.data !== undefined;
  const atHead = loadedOnce && !events.hasNextPage;
  // At the head, the live events continue the list; before it, they wait below the events not loaded yet.
  const shown = atHead ? mergeEvents(loaded, liveEvents) : loaded;
  const waiting = atHead ? [] : liveEvents.filter((e) => lastLoaded === undefined || e.id > lastLoaded);
  const ids = new Set([...shown, ...waiting].map((e) => e.id));
  const liveAllowed = liveWanted && filters.until === undefined;
  // The newest event on the page: only a newer one is announced (the stream may repeat what a page had).
  const newest = Math.max(0, ...ids);
  const newestRef = useRef(newest);
  useEffect(() => {
    newestRef.current = newest;
  }, [newest]);

  const apply = (next: EventFilters) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(next)) if (value) params.set(key, value);
    router.replace(params.size > 0 ? `${pathname}?${params}` : pathname);
  };

  const onEvent = useCallback(
    (event: ChangeEvent) => {
      setLive((prev) => {
        const same = prev.key === filterKey;
        const merged = mergeEvents(same ? prev.events : [], [event]);
        const over = Math.max(0, merged.length - liveLimit);
        return { key: filterKey, events: over > 0 ? merged.slice(over) : merged, dropped: (same ? prev.dropped : 0) + over };
      });
      if (event.id <= newestRef.current) return;
      newestRef.current = event.id;
      setAnnouncement(`New event: ${event.op} ${event.resource ?? event.table}${event.record_id !== null ? ` record ${event.record_id}` : ''}.`);
    },
    [filterKey, liveLimit],
  );

  return (
    <div className="space-y-4">
      <FilterForm key={filterKey} database={database} filters={filters} onApply={apply} />
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" className="size-4" checked={liveWanted} onChange={(event) => setLiveWanted(event.target.checked)} />
          Live updates
        </label>
        {!liveWanted ? null : filters.until !== undefined ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">Live updates are off while an end time is set.</p>
        ) : loadedOnce ? (
          <LiveFeed
            key={filterKey}
            database={database}
            filters={filters}
            startAfter={atHead ? lastLoaded : undefined}
            onEvent={onEvent}
            onCatchUp={() => void events.refetch()}
          />
        ) : null}
        <p className="sr-only" aria-live="polite">
          {announcement}
        </p>
      </div>
      {events.isError && events.data !== undefined ? (
        // A failed refresh (or next page) keeps what is listed: only a first load that failed replaces it.
        <ErrorState title="The events could not be refreshed: they are shown as last loaded." error={events.error} onRetry={() => void events.refetch()} />
      ) : null}
      {events.isPending ? (
        <LoadingState label="Loading events…" />
      ) : events.data === undefined ? (
        <ErrorState title="The events could not be loaded." error={events.error} onRetry={() => void events.refetch()} />
      ) : shown.length === 0 && waiting.length === 0 ? (
        <EmptyState title={Object.keys(filters).length > 0 ? 'No events match.' : 'No events yet'}>
          {Object.keys(filters).length > 0
            ? 'Change or clear the filters.'
            : liveAllowed
              ? 'Every committed write is recorded here; new ones appear as they happen.'
              : 'Every committed write is recorded here.'}
        </EmptyState>
      ) : (
        <div className="space-y-3">
          <p className="text-xs text-zinc-600 dark:text-zinc-400">Oldest first: the newest events are at the end.</p>
          {dropped > 0 ? (
            <div className="flex flex-wrap items-center gap-3 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
              <p>
                {dropped} earlier live {dropped === 1 ? 'event is' : 'events are'} not shown, to keep the page light: only the newest{' '}
                {liveLimit} live events stay. The log has every one.
              </p>
              <Button
                size="sm"
                onClick={() => {
                  setLive({ key: filterKey, events: [], dropped: 0 });
                  void events.refetch();
                }}
              >
                List them from the log
              </Button>
            </div>
          ) : null}
          <ol aria-label="Events" className="space-y-3">
            {shown.map((event) => (
              <EventItem key={event.id} database={database} event={event} canRevert={canRevert} loaded={ids} />
            ))}
          </ol>
          {events.hasNextPage ? (
            <div className="flex flex-wrap items-center gap-3">
              <Button onClick={() => void events.fetchNextPage()} disabled={events.isFetchingNextPage}>
                {events.isFetchingNextPage ? 'Loading…' : 'Load newer events'}
              </Button>
              {waiting.length > 0 ? (
                <p className="text-sm text-zinc-600 dark:text-zinc-400">
                  {waiting.length} live {waiting.length === 1 ? 'event' : 'events'} below; the events before {waiting.length === 1 ? 'it' : 'them'} are not
                  loaded yet.
                </p>
              ) : null}
            </div>
          ) : null}
          {waiting.length > 0 ? (
            <ol aria-label="Live events" className="space-y-3">
              {waiting.map((event) => (
                <EventItem key={event.id} database={database} event={event} canRevert={canRevert} loaded={ids} />
              ))}
            </ol>
          ) : null}
        </div>
      )}
    </div>
  );
}

const STATE_WORDS = {
  connecting: 'Connecting to live updates…',
  open: 'Live: new events appear at the end.',
  reconnecting: 'Live updates interrupted: reconnecting…',
  closed: 'Live updates stopped.',
} as const;

/**
 * The change stream for the filters. Mounted once the first page is in: at the head of the log it resumes after the
 * last event listed (no gap, no repeat); otherwise it starts from now, and the events in between come with the pages.
 */
function LiveFeed({
  database,
  filters,
  startAfter,
  onEvent,
  onCatchUp,
}: {
  database: string;
  filters: EventFilters;
  startAfter: number | undefined;
  onEvent: (event: ChangeEvent) => void;
  onCatchUp: () => void;
}) {
  const queryClient = useQueryClient();
  // Taken once: later pages and events must not restart the stream.
  const [url] = useState(() => eventStreamUrl(database, { resource: filters.resource, record: filters.record, lastEventId: startAfter }));
  const [resumes] = useState(startAfter !== undefined);
  const stream = useEventStream(url, {
    onEvent,
    // Without an event to resume after, what was written between the list and the stream is fetched again.
    onOpen: () => {
      if (!resumes) onCatchUp();
    },
    // A stream refused for good may mean the session is gone: asking who is signed in sends a 401 to sign-in.
    onClosed: () => void queryClient.invalidateQueries({ queryKey: authKeys.me() }),
  });
  return (
    <div className="flex items-center gap-2">
      <span
        aria-hidden="true"
        className={
          stream.state === 'open'
            ? 'size-2 rounded-full bg-emerald-500'
            : stream.state === 'closed'
              ? 'size-2 rounded-full bg-zinc-400'
              : 'size-2 animate-pulse rounded-full bg-amber-500'
        }
      />
      <p role="status" className="text-sm text-zinc-600 dark:text-zinc-400">
        {STATE_WORDS[stream.state]}
        {stream.problem ? ` ${stream.problem}` : ''}
      </p>
      {stream.state === 'closed' ? (
        <Button size="sm" onClick={stream.reconnect}>
          Reconnect
        </Button>
      ) : null}
    </div>
  );
}

function FilterForm({ database, filters, onApply }: { database: string; filters: EventFilters; onApply: (filters: EventFilters) => void }) {
  const schema = useSchemaQuery(database);
  const tables = useTablesQuery(database);
  const [resource, setResource] = useState(filters.resource ?? '');
  const [record, setRecord] = useState(filters.record ?? '');
  const [since, setSince] = useState(filters.since ? toLocalDateTime(filters.since) : '');
  const [until, setUntil] = useState(filters.until ? toLocalDateTime(filters.until) : '');
  const id = useId();
  const resourceNames = (schema.data?.resources ?? []).map((r) => r.name).sort();
  const tableNames = (tables.data?.tables ?? [])
    .filter((t) => t.type === 'table' && !resourceNames.includes(t.name))
    .map((t) => t.name)
    .sort();
  const known = new Set([...resourceNames, ...tableNames]);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onApply({
      ...(resource ? { resource } : {}),
      ...(resource && record.trim() ? { record: record.trim() } : {}),
      ...(isoFromLocal(since) ? { since: isoFromLocal(since) } : {}),
      ...(isoFromLocal(until) ? { until: isoFromLocal(until) } : {}),
    });
  }

  return (
    <form onSubmit={onSubmit} aria-label="Filter events" className="flex flex-wrap items-end gap-3 rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900">
      <div className="space-y-1">
        <label htmlFor={`${id}-resource`} className="block text-sm font-medium">
          Resource
        </label>
        <select id={`${id}-resource`} className="field-input w-48" value={resource} onChange={(event) => setResource(event.target.value)}>
          <option value="">All resources and tables</option>
          {resource && !known.has(resource) ? <option value={resource}>{resource}</option> : null}
          {resourceNames.length > 0 ? (
            <optgroup label="Resources">
              {resourceNames.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </optgroup>
          ) : null}
          {tableNames.length > 0 ? (
            <optgroup label="Tables">
              {tableNames.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </optgroup>
          ) : null}
        </select>
      </div>
      <div className="space-y-1">
        <label htmlFor={`${id}-record`} className="block text-sm font-medium">
          Record
        </label>
        <input
          id={`${id}-record`}
          className="field-input w-32"
          value={record}
          disabled={resource === ''}
          onChange={(event) => setRecord(event.target.value)}
          aria-describedby={`${id}-record-hint`}
        />
      </div>
      <p id={`${id}-record-hint`} className="sr-only">
        A record&apos;s key; choose a resource first.
      </p>
      <div className="space-y-1">
        <label htmlFor={`${id}-since`} className="block text-sm font-medium">
          Since
        </label>
        <input id={`${id}-since`} type="datetime-local" step={1} className="field-input w-56" value={since} onChange={(event) => setSince(event.target.value)} />
      </div>
      <div className="space-y-1">
        <label htmlFor={`${id}-until`} className="block text-sm font-medium">
          Until
        </label>
        <input id={`${id}-until`} type="datetime-local" step={1} className="field-input w-56" value={until} onChange={(event) => setUntil(event.target.value)} />
      </div>
      <div className="flex gap-2">
        <Button type="submit" variant="primary">
          Filter
        </Button>
        <Button
          onClick={() => {
            setResource('');
            setRecord('');
            setSince('');
            setUntil('');
            onApply({});
          }}
        >
          Clear
        </Button>
      </div>
    </form>
  );
}
