'use client';

import Link from 'next/link';
import { useState } from 'react';
import { KeysList } from '@/components/tenants/api-keys-card';
import { CreateApiKeyDialog } from '@/components/tenants/create-api-key-dialog';
import { Card } from '@/components/ui/card';
import { EmptyState, LoadingState } from '@/components/ui/states';
import { useApiKeysQuery } from '@/data/tenants/api-keys';
import type { WhoAmI } from '@/data/auth/me-query';
import { grantableScopes } from '@/lib/access';

/**
 * The API keys limited to this database: the tenant's keys (owners only: the gateway answers the list to no one
 * else) filtered to it. A new key is limited to it, and its secret is shown once, by the dialog that creates it.
 */
export function DatabaseKeysCard({
  database,
  tenant,
  canManage,
  me,
}: {
  database: string;
  /** The database's tenant, from GET /admin/databases/{name}; undefined while it loads. */
  tenant: string | undefined;
  canManage: boolean;
  me: WhoAmI | undefined;
}) {
  const keys = useApiKeysQuery(tenant ?? '', {
    enabled: canManage && tenant !== undefined,
    select: (all) => all.filter((key) => key.database === database),
  });
  const [notice, setNotice] = useState('');

  return (
    <Card
      title="API keys"
      id="database-keys-title"
      actions={
        canManage && tenant !== undefined ? (
          <CreateApiKeyDialog
            tenant={tenant}
            databases={[database]}
            database={database}
            scopes={grantableScopes(me)}
            onCreated={(name) => setNotice(`API key ${name} created.`)}
          />
        ) : null
      }
    >
      {!canManage ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Only the owners of the database’s tenant see and manage its API keys.</p>
      ) : (
        <div className="space-y-3">
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Keys for applications that use <span className="font-mono">{database}</span> only. Keys for the whole tenant are on the{' '}
            {tenant ? (
              <Link className="underline" href={`/tenants/${encodeURIComponent(tenant)}`}>
                tenant’s page
              </Link>
            ) : (
              'tenant’s page'
            )}
            .
          </p>
          <p role="status" className="text-sm text-emerald-700 empty:hidden dark:text-emerald-400">
            {notice}
          </p>
          {tenant === undefined ? (
            // The tenant comes with the database's details; until they load, there is no list to ask for.
            <LoadingState label="Loading API keys…" />
          ) : (
            <KeysList
              tenant={tenant}
              keys={keys}
              empty={<EmptyState title="No keys for this database yet">Create one for an application with “New API key”.</EmptyState>}
              onRevoked={(name) => setNotice(`API key ${name} revoked.`)}
              showDatabase={false}
            />
          )}
        </div>
      )}
    </Card>
  );
}
