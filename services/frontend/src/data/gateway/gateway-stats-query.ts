import type { GatewayStats } from '@dbforge/contracts';
import { useQuery } from '@tanstack/react-query';
import { gatewayFetch } from '../fetcher';
import { gatewayKeys } from './keys';

export function getGatewayStats(signal?: AbortSignal): Promise<GatewayStats> {
  return gatewayFetch<GatewayStats>('/admin/gateway/stats', signal ? { signal } : {});
}

export function useGatewayStatsQuery({ refetchInterval = 2_000, enabled = true }: { refetchInterval?: number | false; enabled?: boolean } = {}) {
  return useQuery({
    queryKey: gatewayKeys.stats(),
    queryFn: ({ signal }) => getGatewayStats(signal),
    refetchInterval,
    enabled,
  });
}
