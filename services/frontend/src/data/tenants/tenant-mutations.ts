import type { CreateTenantBody, UpdateTenantBody } from '@dbforge/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { authKeys } from '../auth/keys';
import { gatewayFetch, seg } from '../fetcher';
import { tenantKeys } from './keys';
import type { Tenant } from './tenants-query';

export function createTenant(body: CreateTenantBody): Promise<Tenant> {
  return gatewayFetch<Tenant>('/admin/tenants', { method: 'POST', body });
}

export interface UpdateTenantVariables {
  id: string;
  changes: UpdateTenantBody;
}

export function updateTenant({ id, changes }: UpdateTenantVariables): Promise<Tenant> {
  return gatewayFetch<Tenant>(`/admin/tenants/${seg(id)}`, { method: 'PATCH', body: changes });
}

export async function deleteTenant(id: string): Promise<void> {
  await gatewayFetch(`/admin/tenants/${seg(id)}`, { method: 'DELETE' });
}

export function useTenantCreateMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createTenant,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: tenantKeys.list() });
      // The platform admin's key is an owner of every tenant: who-am-I lists the new one.
      await queryClient.invalidateQueries({ queryKey: authKeys.me() });
    },
  });
}

export function useTenantUpdateMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateTenant,
    onSuccess: async (tenant) => {
      queryClient.setQueryData(tenantKeys.detail(tenant.id), tenant);
      await queryClient.invalidateQueries({ queryKey: tenantKeys.list() });
    },
  });
}

export function useTenantDeleteMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteTenant,
    onSuccess: async (_reply, id) => {
      queryClient.removeQueries({ queryKey: tenantKeys.detail(id) });
      await queryClient.invalidateQueries({ queryKey: tenantKeys.list() });
      await queryClient.invalidateQueries({ queryKey: authKeys.me() });
    },
  });
}
