import type { ChangeEventBody, EventPage, RevertReply } from '@dbforge/contracts';
import { useInfiniteQuery, useMutation, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { ApiError, gatewayFetch, seg } from '../fetcher';
import { resourceKeys } from '../resources/keys';
import { eventKeys, type EventFilters } from './keys';

export type ChangeEvent = ChangeEventBody;
export type { EventPage, RevertReply };

/** Events per page. */
export const EVENTS_PAGE_SIZE = 100;

export function getEvents(database: string, filters: EventFilters, cursor: string | undefined, signal?: AbortSignal): Promise<EventPage> {
  return gatewayFetch<EventPage>(`/api/db/${seg(database)}/events`, {
    query: {
      resource: filters.resource || undefined,
      record: filters.resource ? filters.record || undefined : undefined,
      since: filters.since || undefined,
      until: filters.until || undefined,
      limit: EVENTS_PAGE_SIZE,
      cursor,
    },
    ...(signal ? { signal } : {}),
  });
}

/**
 * The event log, oldest first as the API pages it: each page continues after the last event of the one before, so
 * the list grows toward the newest events (and, once it reaches them, with the live stream).
 */
export function useEventsQuery(database: string, filters: EventFilters) {
  return useInfiniteQuery({
    queryKey: eventKeys.list(database, filters),
    queryFn: ({ pageParam, signal }) => getEvents(database, filters, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/** Events of the pages, oldest first, each once. */
export function eventsOf(data: InfiniteData<EventPage> | undefined): ChangeEvent[] {
  return mergeEvents([], data?.pages.flatMap((p) => p.data) ?? []);
}

/** `current` and `more` in id order, each event once (the stream may repeat what a page already had). */
export function mergeEvents(current: readonly ChangeEvent[], more: readonly ChangeEvent[]): ChangeEvent[] {
  const byId = new Map<number, ChangeEvent>();
  for (const event of current) byId.set(event.id, event);
  for (const event of more) byId.set(event.id, event);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

export interface RevertVariables {
  database: string;
  id: number;
  /** Revert even though the record changed after the event. */
  force?: boolean;
}

/** POST /api/db/{name}/events/{id}/revert: the inverse of the event, as a new event. */
export function revertEvent({ database, id, force = false }: RevertVariables): Promise<RevertReply> {
  return gatewayFetch<RevertReply>(`/api/db/${seg(database)}/events/${id}/revert`, { method: 'POST', query: { force: force || undefined } });
}

/** The newer events a 409 to a revert names (`details.newer_events`), or none when it is another conflict. */
export function newerEventsOf(error: unknown): number[] {
  if (!(error instanceof ApiError) || error.status !== 409) return [];
  const details = error.details;
  if (typeof details !== 'object' || details === null) return [];
  const newer = (details as { newer_events?: unknown }).newer_events;
  return Array.isArray(newer) ? newer.filter((id): id is number => typeof id === 'number') : [];
}

/** Reverts an event; the log and the records it touched are fetched again. */
export function useRevertMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: revertEvent,
    onSuccess: async (_reply, { database }) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: eventKeys.all(database) }),
        queryClient.invalidateQueries({ queryKey: resourceKeys.all(database) }),
      ]);
    },
  });
}
