'use client';

import { useMeQuery } from '@/data/auth/me-query';
import { useDatabaseQuery } from '@/data/databases/database-query';
import { can, type Capability } from '@/lib/access';

/**
 * What the caller may do on one database, for showing controls: worked out from who-am-I and the database's tenant
 * (`GET /admin/databases/{name}`) with the gateway's rules. Nothing is offered until both are known (no control
 * appears only to vanish); if who-am-I fails, everything is, and the gateway refuses what it must.
 */
export function useDatabaseAccess(database: string) {
  const me = useMeQuery();
  const info = useDatabaseQuery(database);
  const tenant = info.data?.tenant;
  return {
    me: me.data,
    tenant,
    /** Who-am-I or the database's tenant is still loading: what the caller may do is not known yet. */
    pending: me.isPending || (info.isPending && me.data?.platform_admin !== true),
    allowed(capability: Capability): boolean {
      if (me.isPending) return false;
      if (me.data === undefined || me.data.platform_admin) return true;
      if (tenant === undefined) return false;
      return can(me.data, capability, tenant, database);
    },
  };
}
