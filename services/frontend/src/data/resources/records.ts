import type { ListRecordsReply, ResourceRecord } from '@dbforge/contracts';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { eventKeys } from '../events/keys';
import { gatewayFetch, gatewayRequest, seg } from '../fetcher';
import { resourceKeys } from './keys';

export type { ListRecordsReply, ResourceRecord };

/**
 * The list's query string: filters as `field=value` or `field[op]=value`, `q`, `sort`, `limit`, `cursor`,
 * `count=true`. Kept as plain strings so that it is also the query key.
 */
export type RecordListParams = Record<string, string>;

const base = (database: string, resource: string) => `/api/db/${seg(database)}/resources/${seg(resource)}`;

export function listRecords(database: string, resource: string, params: RecordListParams, signal?: AbortSignal): Promise<ListRecordsReply> {
  return gatewayFetch<ListRecordsReply>(base(database, resource), { query: params, ...(signal ? { signal } : {}) });
}

export function useRecordsQuery(database: string, resource: string, params: RecordListParams, { enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: resourceKeys.list(database, resource, params),
    queryFn: ({ signal }) => listRecords(database, resource, params, signal),
    // The previous page stays on screen while the next one (or a new filter) loads.
    placeholderData: keepPreviousData,
    enabled,
  });
}

export interface RecordTarget {
  database: string;
  resource: string;
}

export interface SaveRecordVariables extends RecordTarget {
  /** The record's key when editing; none to create. */
  id?: string;
  values: Record<string, unknown>;
}

/** Creates a record (POST) or changes the fields given (PATCH). */
export async function saveRecord({ database, resource, id, values }: SaveRecordVariables): Promise<ResourceRecord> {
  if (id === undefined) return gatewayFetch<ResourceRecord>(base(database, resource), { method: 'POST', body: values });
  return gatewayFetch<ResourceRecord>(`${base(database, resource)}/${seg(id)}`, { method: 'PATCH', body: values });
}

export async function deleteRecord({ database, resource, id }: RecordTarget & { id: string }): Promise<void> {
  await gatewayRequest(`${base(database, resource)}/${seg(id)}`, { method: 'DELETE' });
}

/** A write changes the resource's lists, the event log, and (through references and cascades) maybe other resources. */
function useRefreshAfterWrite() {
  const queryClient = useQueryClient();
  return async ({ database }: RecordTarget) => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: resourceKeys.all(database) }),
      queryClient.invalidateQueries({ queryKey: eventKeys.all(database) }),
    ]);
  };
}

export function useRecordSaveMutation() {
  const refresh = useRefreshAfterWrite();
  return useMutation({ mutationFn: saveRecord, onSuccess: (_record, variables) => refresh(variables) });
}

export function useRecordDeleteMutation() {
  const refresh = useRefreshAfterWrite();
  return useMutation({ mutationFn: deleteRecord, onSuccess: (_reply, variables) => refresh(variables) });
}
