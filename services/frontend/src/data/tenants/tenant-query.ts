import { useQuery } from '@tanstack/react-query';
import { gatewayFetch, isApiError, seg } from '../fetcher';
import { tenantKeys } from './keys';
import type { Tenant } from './tenants-query';

export function getTenant(id: string, signal?: AbortSignal): Promise<Tenant> {
  return gatewayFetch<Tenant>(`/admin/tenants/${seg(id)}`, signal ? { signal } : {});
}

export function useTenantQuery(id: string) {
  return useQuery({
    queryKey: tenantKeys.detail(id),
    queryFn: ({ signal }) => getTenant(id, signal),
    // A tenant that is gone (or never was ours) stays so.
    retry: (count, error) => !(isApiError(error) && error.status < 500) && count < 2,
  });
}
