import type { TenantReply } from '@dbforge/contracts';
import { useQuery } from '@tanstack/react-query';
import { gatewayFetch } from '../fetcher';
import { tenantKeys } from './keys';

export type Tenant = TenantReply;

/** The tenants the caller belongs to (every tenant for the platform admin). */
export function getTenants(signal?: AbortSignal): Promise<Tenant[]> {
  return gatewayFetch<Tenant[]>('/admin/tenants', signal ? { signal } : {});
}

export function useTenantsQuery({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ queryKey: tenantKeys.list(), queryFn: ({ signal }) => getTenants(signal), enabled });
}
