import type { DatabaseInfo } from '@dbforge/contracts';
import { useQuery } from '@tanstack/react-query';
import { gatewayFetch } from '../fetcher';
import { databaseKeys } from './keys';

export type { DatabaseInfo };

export function getDatabases(signal?: AbortSignal): Promise<DatabaseInfo[]> {
  return gatewayFetch<DatabaseInfo[]>('/admin/databases', signal ? { signal } : {});
}

export interface LiveOptions {
  /** Milliseconds between refreshes while the page is visible; false for none. */
  refetchInterval?: number | false;
}

export function useDatabasesQuery({ refetchInterval = 3_000 }: LiveOptions = {}) {
  return useQuery({
    queryKey: databaseKeys.list(),
    queryFn: ({ signal }) => getDatabases(signal),
    refetchInterval,
  });
}
