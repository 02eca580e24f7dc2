'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { PageHeader } from '@/components/shell/page-header';
import { DataTable, type Column } from '@/components/ui/data-table';
import { QueryView } from '@/components/ui/query-view';
import { EmptyState } from '@/components/ui/states';
import { useMeQuery, type WhoAmI } from '@/data/auth/me-query';
import { useTenantsQuery, type Tenant } from '@/data/tenants/tenants-query';
import { standingIn } from '@/lib/access';
import { formatDateTime } from '@/lib/format';
import { describeQuota } from '@/lib/quotas';
import { CreateTenantDialog } from './create-tenant-dialog';

/** The tenants the caller belongs to (all of them for the platform admin), and a way to create one. */
export function TenantsView() {
  const me = useMeQuery();
  const tenants = useTenantsQuery();
  const router = useRouter();
  const platformAdmin = me.data?.platform_admin === true;

  return (
    <>
      <PageHeader
        title="Tenants"
        description="Each tenant owns its databases, members and API keys; nobody outside it sees them."
        actions={platformAdmin ? <CreateTenantDialog onCreated={(id) => router.push(`/tenants/${encodeURIComponent(id)}`)} /> : null}
      />
      <QueryView
        query={tenants}
        loadingLabel="Loading tenants…"
        errorTitle="The tenants could not be loaded."
        empty={
          <EmptyState title={platformAdmin ? 'No tenants yet' : 'You belong to no tenant'}>
            {platformAdmin ? 'Create one with “New tenant”.' : 'A tenant’s owner can add you as a member.'}
          </EmptyState>
        }
      >
        {(list) => <TenantsTable tenants={list} me={me.data} />}
      </QueryView>
    </>
  );
}

function TenantsTable({ tenants, me }: { tenants: Tenant[]; me: WhoAmI | undefined }) {
  const columns: Column<Tenant>[] = [
    {
      header: 'ID',
      className: 'font-mono',
      cell: (tenant) => (
        <Link href={`/tenants/${encodeURIComponent(tenant.id)}`} className="text-indigo-700 hover:underline dark:text-indigo-300">
          {tenant.id}
        </Link>
      ),
    },
    { header: 'Name', cell: (tenant) => tenant.name },
    { header: 'Your role', cell: (tenant) => standingIn(me, tenant.id) },
    { header: 'Max databases', numeric: true, cell: (tenant) => describeQuota('max_databases', tenant.quotas.max_databases) },
    { header: 'Max database size', numeric: true, cell: (tenant) => describeQuota('max_database_bytes', tenant.quotas.max_database_bytes) },
    { header: 'Created', cell: (tenant) => <time dateTime={tenant.created_at}>{formatDateTime(tenant.created_at)}</time> },
  ];
  const sorted = [...tenants].sort((a, b) => a.id.localeCompare(b.id));
  return <DataTable caption="Tenants" columns={columns} rows={sorted} rowKey={(tenant) => tenant.id} className="bg-white dark:bg-zinc-900" />;
}
