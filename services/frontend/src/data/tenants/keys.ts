/**
 * Query keys of tenants, from the general to the particular: invalidating `detail(id)` refreshes the tenant, its
 * members and its API keys.
 */
export const tenantKeys = {
  all: ['tenants'] as const,
  list: () => [...tenantKeys.all, 'list'] as const,
  detail: (id: string) => [...tenantKeys.all, 'detail', id] as const,
  members: (id: string) => [...tenantKeys.detail(id), 'members'] as const,
  apiKeys: (id: string) => [...tenantKeys.detail(id), 'keys'] as const,
};
