import type { ApiKey, CreateKeyBody } from '@dbforge/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { gatewayFetch, seg } from '../fetcher';
import { tenantKeys } from './keys';

export type { ApiKey };

/** The tenant's API keys, without their secrets (the gateway keeps only their hashes). */
export function getApiKeys(tenant: string, signal?: AbortSignal): Promise<ApiKey[]> {
  return gatewayFetch<ApiKey[]>(`/admin/tenants/${seg(tenant)}/keys`, signal ? { signal } : {});
}

/** `select` picks from the list (one database's keys, say) without a request or a cache entry of its own. */
export function useApiKeysQuery<T = ApiKey[]>(tenant: string, { enabled = true, select }: { enabled?: boolean; select?: (keys: ApiKey[]) => T } = {}) {
  return useQuery({ queryKey: tenantKeys.apiKeys(tenant), queryFn: ({ signal }) => getApiKeys(tenant, signal), enabled, select });
}

export interface CreateApiKeyVariables {
  tenant: string;
  key: CreateKeyBody;
}

export interface CreatedApiKey {
  key: ApiKey;
  /** The key itself. Answered once; the console keeps it only in the dialog that shows it. */
  secret: string;
}

export function createApiKey({ tenant, key }: CreateApiKeyVariables): Promise<CreatedApiKey> {
  return gatewayFetch<CreatedApiKey>(`/admin/tenants/${seg(tenant)}/keys`, { method: 'POST', body: key });
}

export interface RevokeApiKeyVariables {
  tenant: string;
  keyId: string;
}

export function revokeApiKey({ tenant, keyId }: RevokeApiKeyVariables): Promise<ApiKey> {
  return gatewayFetch<ApiKey>(`/admin/tenants/${seg(tenant)}/keys/${seg(keyId)}`, { method: 'DELETE' });
}

/**
 * Creates a key. The reply, secret included, stays in the mutation's state (which the dialog clears when it closes),
 * never in the query cache: the list is fetched again and carries no secret.
 */
export function useApiKeyCreateMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createApiKey,
    // Dropped from the mutation cache as soon as the dialog lets go of it, rather than kept for minutes.
    gcTime: 0,
    onSuccess: (_created, { tenant }) => queryClient.invalidateQueries({ queryKey: tenantKeys.apiKeys(tenant) }),
  });
}

export function useApiKeyRevokeMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: revokeApiKey,
    onSuccess: (_key, { tenant }) => queryClient.invalidateQueries({ queryKey: tenantKeys.apiKeys(tenant) }),
  });
}
