'use client';

import Link from 'next/link';
import { useState } from 'react';
import { PageHeader } from '@/components/shell/page-header';
import { DataTable, type Column } from '@/components/ui/data-table';
import { QueryView } from '@/components/ui/query-view';
import { EmptyState } from '@/components/ui/states';
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
      <QueryView
        query={databases}
        loadingLabel="Loading databases…"
        errorTitle="The databases could not be loaded."
        empty={
          <EmptyState title="No databases yet">{mayCreate ? 'Create one with “New database”.' : 'Your role lets you read databases, not create them.'}</EmptyState>
        }
      >
        {(list) => <DatabasesTable databases={list} me={me.data} showTenant={spans} onPruned={(name) => setNotice(`Database ${name} pruned.`)} />}
      </QueryView>
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
  const columns: Column<DatabaseInfo>[] = [
    {
      header: 'Name',
      cell: (db) => (
        <Link href={`/databases/${encodeURIComponent(db.name)}/sql`} className="text-indigo-700 hover:underline dark:text-indigo-300">
          {db.name}
        </Link>
      ),
    },
    ...(showTenant
      ? [
          {
            header: 'Tenant',
            cell: (db: DatabaseInfo) => (
              <Link href={`/tenants/${encodeURIComponent(db.tenant)}`} className="font-mono text-xs hover:underline">
                {db.tenant}
              </Link>
            ),
          },
        ]
      : []),
    { header: 'Status', cell: (db) => <StatusBadge status={db.status} /> },
    { header: 'Engine', cell: (db) => db.engine },
    { header: 'Size', numeric: true, cell: (db) => formatBytes(db.size_bytes) },
    { header: 'Container', className: 'font-mono text-xs', cell: (db) => db.container_id },
    { header: 'Created', cell: (db) => <time dateTime={db.created_at}>{formatDateTime(db.created_at)}</time> },
    {
      header: 'Actions',
      hideHeader: true,
      className: 'text-right',
      cell: (db) => (can(me, 'delete', db.tenant, db.name) ? <PruneDatabaseDialog name={db.name} onPruned={onPruned} /> : null),
    },
  ];
  const sorted = [...databases].sort((a, b) => a.name.localeCompare(b.name));
  return <DataTable caption="Databases" columns={columns} rows={sorted} rowKey={(db) => db.name} className="bg-white dark:bg-zinc-900" />;
}
