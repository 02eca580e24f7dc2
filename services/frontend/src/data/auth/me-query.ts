import type { WhoAmI } from '@dbforge/contracts';
import { useQuery } from '@tanstack/react-query';
import { gatewayFetch } from '../fetcher';
import { authKeys } from './keys';

export type { WhoAmI };

/** Who the session's credential belongs to, and their tenants and roles (GET /auth/me). */
export function getMe(signal?: AbortSignal): Promise<WhoAmI> {
  return gatewayFetch<WhoAmI>('/auth/me', signal ? { signal } : {});
}

export function useMeQuery() {
  return useQuery({
    queryKey: authKeys.me(),
    queryFn: ({ signal }) => getMe(signal),
    // Roles change rarely; a page that acts on a stale role is corrected by the gateway's refusal.
    staleTime: 60_000,
  });
}
