import type { LogsReply } from '@dbforge/contracts';
import { useQuery } from '@tanstack/react-query';
import { gatewayFetch, seg } from '../fetcher';
import { databaseKeys } from './keys';

export function getDatabaseLogs(name: string, tail: number, signal?: AbortSignal): Promise<LogsReply> {
  return gatewayFetch<LogsReply>(`/admin/databases/${seg(name)}/logs`, { query: { tail }, ...(signal ? { signal } : {}) });
}

export function useDatabaseLogsQuery(name: string, tail: number, { follow = false }: { follow?: boolean } = {}) {
  return useQuery({
    queryKey: databaseKeys.logs(name, tail),
    queryFn: ({ signal }) => getDatabaseLogs(name, tail, signal),
    refetchInterval: follow ? 3_000 : false,
  });
}
