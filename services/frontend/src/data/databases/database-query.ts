import type { DatabaseInfo } from '@dbforge/contracts';
import { useQuery } from '@tanstack/react-query';
import { gatewayFetch, isApiError, seg } from '../fetcher';
import type { LiveOptions } from './databases-query';
import { databaseKeys } from './keys';

export function getDatabase(name: string, signal?: AbortSignal): Promise<DatabaseInfo> {
  return gatewayFetch<DatabaseInfo>(`/admin/databases/${seg(name)}`, signal ? { signal } : {});
}

export function useDatabaseQuery(name: string, { refetchInterval = 5_000 }: LiveOptions = {}) {
  return useQuery({
    queryKey: databaseKeys.detail(name),
    queryFn: ({ signal }) => getDatabase(name, signal),
    // A database that is gone stays gone: stop asking once the gateway says 404.
    refetchInterval: (query) => (isApiError(query.state.error) && query.state.error.status === 404 ? false : refetchInterval),
  });
}
