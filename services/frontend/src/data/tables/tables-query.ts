import type { TableListReply } from '@dbforge/contracts';
import { useQuery } from '@tanstack/react-query';
import { gatewayFetch, seg } from '../fetcher';
import { tableKeys } from './keys';

export function getTables(database: string, signal?: AbortSignal): Promise<TableListReply> {
  return gatewayFetch<TableListReply>(`/api/db/${seg(database)}/tables`, signal ? { signal } : {});
}

export function useTablesQuery(database: string) {
  return useQuery({
    queryKey: tableKeys.list(database),
    queryFn: ({ signal }) => getTables(database, signal),
  });
}
