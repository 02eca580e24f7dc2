'use client';

import { useMeQuery } from '@/data/auth/me-query';
import { can, type Capability } from '@/lib/access';

/**
 * What the caller may do in a tenant, for showing controls. While who-am-I loads, nothing is offered (no control
 * appears only to vanish); if it fails, everything is, and the gateway refuses what it must.
 */
export function useTenantAccess(tenant: string) {
  const me = useMeQuery();
  return {
    me: me.data,
    allowed: (capability: Capability) => !me.isPending && can(me.data, capability, tenant),
    platformAdmin: me.data?.platform_admin === true,
  };
}
