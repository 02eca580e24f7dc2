import type { GatewayStats } from '@dbforge/contracts';
import { useQuery } from '@tanstack/react-query';
import { gatewayFetch } from '../fetcher';
import { gatewayKeys } from './keys';

export function getGatewayStats(signal?: AbortSignal): Promise<GatewayStats> {
  return gatewayFetch<GatewayStats>('/admin/gateway/stats', signal ? { signal } : {});
}

export function useGatewayStatsQuery({ refetchInterval = 2_000 }: { refetchInterval?: number | false } = {}) {
  return useQuery({
    queryKey: gatewayKeys.stats(),
    queryFn: ({ signal }) => getGatewayStats(signal),
    refetchInterval,
  });
}
