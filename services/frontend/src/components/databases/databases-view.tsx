'use client';

import Link from 'next/link';
import { useState } from 'react';
import { PageHeader } from '@/components/shell/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { StatusBadge } from '@/components/ui/status-badge';
import { useMeQuery, type WhoAmI } from '@/data/auth/me-query';
import { useDatabasesQuery, type DatabaseInfo } from '@/data/databases/databases-query';
import { useTenantsQuery } from '@/data/tenants/tenants-query';
import { can, initialTenantFor, mayCreateDatabases, spansTenants, tenantsForNewDatabases } from '@/lib/access';
import { formatBytes, formatDateTime } from '@/lib/format';
import { CreateDatabaseDialog, type TenantChoice } from './create-database-dialog';
import { PruneDatabaseDialog } from './prune-database-dialog';

export function DatabasesView() {
  const databases = useDatabasesQuery();
  const me = useMeQuery();
  // Only a caller who spans tenants is asked which one; for everyone else the gateway picks their own.
  const spans = spansTenants(me.data);
  const tenants = useTenantsQuery({ enabled: spans });
  const [notice, setNotice] = useState('');

  let tenantChoice: TenantChoice | undefined;
  if (spans && tenants.data) {
    const choices = tenantsForNewDatabases(me.data, tenants.data.map((t) => t.id).sort());
    tenantChoice = { choices, initial: initialTenantFor(me.data, choices) };
  } else if (spans && tenants.isPending) {
    // Asked for as soon as it is known that a tenant must be chosen; the choices follow.
    tenantChoice = { choices: [], initial: '' };
  }
  const mayCreate = mayCreateDatabases(me.data);

  return (
    <>
      <PageHeader
        title="Databases"
        description="One worker per database. The list refreshes every few seconds."
        actions={
          mayCreate ? (
            <CreateDatabaseDialog
              onCreated={(name) => setNotice(`Database ${name} created.`)}
              {...(tenantChoice ? { tenant: tenantChoice } : {})}
            />
          ) : null
        }
      />
      <p role="status" className="mb-3 text-sm text-emerald-700 empty:hidden dark:text-emerald-400">
        {notice}
      </p>
      {databases.isPending ? (
        <LoadingState label="Loading databases…" />
      ) : databases.isError ? (
        <ErrorState title="The databases could not be loaded." error={databases.error} onRetry={() => void databases.refetch()} />
      ) : databases.data.length === 0 ? (
        <EmptyState title="No databases yet">{mayCreate ? 'Create one with “New database”.' : 'Your role lets you read databases, not create them.'}</EmptyState>
      ) : (
        <DatabasesTable
          databases={databases.data}
          me={me.data}
          showTenant={spans}
          onPruned={(name) => setNotice(`Database ${name} pruned.`)}
        />
      )}
    </>
  );
}

function DatabasesTable({
  databases,
  me,
  showTenant,
  onPruned,
}: {
  databases: DatabaseInfo[];
  me: WhoAmI | undefined;
  showTenant: boolean;
  onPruned: (name: string) => void;
}) {
  const sorted = [...databases].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Databases</caption>
        <thead className="border-b border-zinc-200 text-xs tracking-wide text-zinc-500 uppercase dark:border-zinc-800 dark:text-zinc-400">
          <tr>
            <th scope="col" className="px-4 py-2 font-medium">Name</th>
            {showTenant ? <th scope="col" className="px-4 py-2 font-medium">Tenant</th> : null}
            <th scope="col" className="px-4 py-2 font-medium">Status</th>
            <th scope="col" className="px-4 py-2 font-medium">Engine</th>
            <th scope="col" className="px-4 py-2 text-right font-medium">Size</th>
            <th scope="col" className="px-4 py-2 font-medium">Container</th>
            <th scope="col" className="px-4 py-2 font-medium">Created</th>
            <th scope="col" className="px-4 py-2 font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
          {sorted.map((db) => (
            <tr key={db.name}>
              <th scope="row" className="px-4 py-2 font-medium">
                <Link href={`/databases/${encodeURIComponent(db.name)}/sql`} className="text-indigo-700 hover:underline dark:text-indigo-300">
                  {db.name}
                </Link>
              </th>
              {showTenant ? (
                <td className="px-4 py-2">
                  <Link href={`/tenants/${encodeURIComponent(db.tenant)}`} className="font-mono text-xs hover:underline">
                    {db.tenant}
                  </Link>
                </td>
              ) : null}
              <td className="px-4 py-2">
                <StatusBadge status={db.status} />
              </td>
              <td className="px-4 py-2">{db.engine}</td>
              <td className="px-4 py-2 text-right tabular-nums">{formatBytes(db.size_bytes)}</td>
              <td className="px-4 py-2 font-mono text-xs">{db.container_id}</td>
              <td className="px-4 py-2">
                <time dateTime={db.created_at}>{formatDateTime(db.created_at)}</time>
              </td>
              <td className="px-4 py-2 text-right">
                {can(me, 'delete', db.tenant, db.name) ? <PruneDatabaseDialog name={db.name} onPruned={onPruned} /> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
