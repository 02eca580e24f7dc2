'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { ErrorState, LoadingState } from '@/components/ui/states';
import { useDatabasesQuery } from '@/data/databases/databases-query';
import { isApiError } from '@/data/fetcher';
import { useTenantDeleteMutation } from '@/data/tenants/tenant-mutations';
import { useTenantQuery } from '@/data/tenants/tenant-query';
import { grantableScopes, standingIn } from '@/lib/access';
import { ApiKeysCard } from './api-keys-card';
import { MembersCard } from './members-card';
import { QuotasCard } from './quotas-card';
import { useTenantAccess } from './use-tenant-access';

/** One tenant: its quotas, members and API keys, with the controls the caller's role allows. */
export function TenantView({ tenantId }: { tenantId: string }) {
  const tenant = useTenantQuery(tenantId);
  const { me, allowed, platformAdmin } = useTenantAccess(tenantId);
  // The tenant's databases: how many it owns, and which a new key may be limited to.
  const databases = useDatabasesQuery({ refetchInterval: false });
  const owned = databases.data?.filter((db) => db.tenant === tenantId).map((db) => db.name).sort();
  const missing = isApiError(tenant.error) && tenant.error.status === 404;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3">
        <Link href="/tenants" className="text-sm text-zinc-500 hover:underline dark:text-zinc-400">
          Tenants
        </Link>
        <span aria-hidden="true" className="text-zinc-400">/</span>
        <h1 className="text-2xl font-semibold tracking-tight">{tenant.data?.name ?? tenantId}</h1>
        <span className="font-mono text-sm text-zinc-600 dark:text-zinc-400">{tenantId}</span>
        {me ? (
          <span className="rounded-full bg-zinc-200 px-2 py-0.5 text-xs font-medium text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200">
            You: {standingIn(me, tenantId)}
          </span>
        ) : null}
      </div>
      {tenant.isPending ? (
        <LoadingState label="Loading the tenant…" />
      ) : missing ? (
        <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
          There is no tenant {tenantId}, or you are not one of its members.{' '}
          <Link href="/tenants" className="underline">
            Back to the tenants
          </Link>
        </div>
      ) : tenant.isError ? (
        <ErrorState title="The tenant could not be loaded." error={tenant.error} onRetry={() => void tenant.refetch()} />
      ) : (
        <>
          <QuotasCard tenant={tenant.data} editable={platformAdmin} databaseCount={owned?.length} />
          <MembersCard tenant={tenantId} canManage={allowed('members')} me={me} />
          <ApiKeysCard tenant={tenantId} canManage={allowed('keys')} databases={owned ?? []} scopes={grantableScopes(me)} />
          {platformAdmin && tenantId !== 'default' ? <DangerZone tenantId={tenantId} /> : null}
        </>
      )}
    </div>
  );
}

function DangerZone({ tenantId }: { tenantId: string }) {
  const remove = useTenantDeleteMutation();
  const router = useRouter();
  return (
    <Card title="Danger zone" id="danger-title">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <p className="max-w-prose text-sm text-zinc-600 dark:text-zinc-400">
          A tenant can be deleted once it owns no database. Its members keep their accounts; its API keys are deleted with it.
        </p>
        <ConfirmDialog
          trigger={<Button variant="danger">Delete tenant…</Button>}
          title={`Delete ${tenantId}?`}
          description="Its members lose access to it and its API keys stop working. This can't be undone."
          confirmLabel="Delete tenant"
          pendingLabel="Deleting…"
          onConfirm={async () => {
            await remove.mutateAsync(tenantId);
            router.push('/tenants');
          }}
        />
      </div>
    </Card>
  );
}
