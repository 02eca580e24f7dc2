'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { PageHeader } from '@/components/shell/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
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
      {tenants.isPending ? (
        <LoadingState label="Loading tenants…" />
      ) : tenants.isError ? (
        <ErrorState title="The tenants could not be loaded." error={tenants.error} onRetry={() => void tenants.refetch()} />
      ) : tenants.data.length === 0 ? (
        <EmptyState title={platformAdmin ? 'No tenants yet' : 'You belong to no tenant'}>
          {platformAdmin ? 'Create one with “New tenant”.' : 'A tenant’s owner can add you as a member.'}
        </EmptyState>
      ) : (
        <TenantsTable tenants={tenants.data} me={me.data} />
      )}
    </>
  );
}

function TenantsTable({ tenants, me }: { tenants: Tenant[]; me: WhoAmI | undefined }) {
  const sorted = [...tenants].sort((a, b) => a.id.localeCompare(b.id));
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Tenants</caption>
        <thead className="border-b border-zinc-200 text-xs tracking-wide text-zinc-500 uppercase dark:border-zinc-800 dark:text-zinc-400">
          <tr>
            <th scope="col" className="px-4 py-2 font-medium">ID</th>
            <th scope="col" className="px-4 py-2 font-medium">Name</th>
            <th scope="col" className="px-4 py-2 font-medium">Your role</th>
            <th scope="col" className="px-4 py-2 text-right font-medium">Max databases</th>
            <th scope="col" className="px-4 py-2 text-right font-medium">Max database size</th>
            <th scope="col" className="px-4 py-2 font-medium">Created</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
          {sorted.map((tenant) => {
            return (
              <tr key={tenant.id}>
                <th scope="row" className="px-4 py-2 font-mono font-medium">
                  <Link href={`/tenants/${encodeURIComponent(tenant.id)}`} className="text-indigo-700 hover:underline dark:text-indigo-300">
                    {tenant.id}
                  </Link>
                </th>
                <td className="px-4 py-2">{tenant.name}</td>
                <td className="px-4 py-2">{standingIn(me, tenant.id)}</td>
                <td className="px-4 py-2 text-right tabular-nums">{describeQuota('max_databases', tenant.quotas.max_databases)}</td>
                <td className="px-4 py-2 text-right tabular-nums">{describeQuota('max_database_bytes', tenant.quotas.max_database_bytes)}</td>
                <td className="px-4 py-2">
                  <time dateTime={tenant.created_at}>{formatDateTime(tenant.created_at)}</time>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
