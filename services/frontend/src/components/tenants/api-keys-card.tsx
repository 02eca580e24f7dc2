'use client';

import type { UseQueryResult } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DataTable, type Column } from '@/components/ui/data-table';
import { QueryView } from '@/components/ui/query-view';
import { EmptyState } from '@/components/ui/states';
import { useApiKeyRevokeMutation, useApiKeysQuery, type ApiKey } from '@/data/tenants/api-keys';
import { scopeLabel, type KeyScope } from '@/lib/access';
import { keyStatus, sortKeys, type KeyStatus } from '@/lib/api-keys';
import { cn } from '@/lib/cn';
import { formatDateTime } from '@/lib/format';
import { CreateApiKeyDialog } from './create-api-key-dialog';

const STATUS_TONES: Record<KeyStatus, string> = {
  active: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900/60 dark:text-emerald-100',
  expired: 'bg-amber-100 text-amber-900 dark:bg-amber-900/60 dark:text-amber-100',
  revoked: 'bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200',
};
const STATUS_LABELS: Record<KeyStatus, string> = { active: 'Active', expired: 'Expired', revoked: 'Revoked' };

function When({ iso, never }: { iso: string | null; never: string }) {
  return iso === null ? <span className="text-zinc-500 dark:text-zinc-400">{never}</span> : <time dateTime={iso}>{formatDateTime(iso)}</time>;
}

/**
 * The tenant's API keys (owners only: the gateway answers their list to no one else). Secrets are never listed; a new
 * key's secret is shown once, by the dialog that creates it.
 */
export function ApiKeysCard({
  tenant,
  canManage,
  databases,
  scopes,
}: {
  tenant: string;
  canManage: boolean;
  /** The tenant's databases, which a key may be limited to. */
  databases: readonly string[];
  scopes: readonly KeyScope[];
}) {
  const keys = useApiKeysQuery(tenant, { enabled: canManage });
  const [notice, setNotice] = useState('');

  return (
    <Card
      title="API keys"
      id="keys-title"
      actions={canManage ? <CreateApiKeyDialog tenant={tenant} databases={databases} scopes={scopes} onCreated={(name) => setNotice(`API key ${name} created.`)} /> : null}
    >
      {!canManage ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Only the tenant’s owners see and manage its API keys.</p>
      ) : (
        <div className="space-y-3">
          <p role="status" className="text-sm text-emerald-700 empty:hidden dark:text-emerald-400">
            {notice}
          </p>
          <KeysList
            tenant={tenant}
            keys={keys}
            empty={<EmptyState title="No API keys yet">Create one for an application with “New API key”.</EmptyState>}
            onRevoked={(name) => setNotice(`API key ${name} revoked.`)}
          />
        </div>
      )}
    </Card>
  );
}

/** A list of API keys as its query has it: loading, the error, `empty`, or the keys' table. */
export function KeysList({
  tenant,
  keys,
  empty,
  onRevoked,
  showDatabase,
}: {
  tenant: string;
  keys: UseQueryResult<ApiKey[]>;
  empty: ReactNode;
  onRevoked: (name: string) => void;
  showDatabase?: boolean;
}) {
  return (
    <QueryView query={keys} loadingLabel="Loading API keys…" errorTitle="The API keys could not be loaded." empty={empty}>
      {(list) => <KeysTable tenant={tenant} keys={list} asOf={keys.dataUpdatedAt} onRevoked={onRevoked} showDatabase={showDatabase} />}
    </QueryView>
  );
}

/** API keys with their state, and a revoke button (behind a confirmation) on each that still works. */
function KeysTable({
  tenant,
  keys,
  asOf,
  onRevoked,
  showDatabase = true,
}: {
  tenant: string;
  keys: ApiKey[];
  /** When the list was fetched: whether a key has expired is told as of then (the list is fetched again on focus). */
  asOf: number;
  onRevoked: (name: string) => void;
  /** Whether to say which database each key is limited to (not in one database's own list). */
  showDatabase?: boolean;
}) {
  const revoke = useApiKeyRevokeMutation();
  const now = asOf;
  const columns: Column<ApiKey>[] = [
    { header: 'Name', cell: (key) => key.name },
    { header: 'Prefix', className: 'font-mono text-xs', cell: (key) => `${key.prefix}…` },
    { header: 'Scope', cell: (key) => scopeLabel(key.scope) },
    ...(showDatabase
      ? [{ header: 'Database', cell: (key: ApiKey) => key.database ?? <span className="text-zinc-500 dark:text-zinc-400">All databases</span> }]
      : []),
    { header: 'Expires', cell: (key) => <When iso={key.expires_at} never="Never" /> },
    { header: 'Last used', cell: (key) => <When iso={key.last_used_at} never="Never" /> },
    {
      header: 'Status',
      cell: (key) => {
        const status = keyStatus(key, now);
        return (
          <>
            <span className={cn('inline-flex rounded-full px-2 py-0.5 text-xs font-medium', STATUS_TONES[status])}>{STATUS_LABELS[status]}</span>
            {key.revoked_at !== null ? (
              <span className="sr-only">
                {' '}
                on {formatDateTime(key.revoked_at)}
              </span>
            ) : null}
          </>
        );
      },
    },
    {
      header: 'Actions',
      hideHeader: true,
      className: 'text-right',
      cell: (key) =>
        keyStatus(key, now) === 'revoked' ? null : (
          <ConfirmDialog
            trigger={
              <Button variant="ghost" size="sm" aria-label={`Revoke ${key.name} (${key.prefix})`}>
                Revoke
              </Button>
            }
            title={`Revoke ${key.name}?`}
            description="Every application that uses this key is refused from now on. This can't be undone."
            confirmLabel="Revoke key"
            pendingLabel="Revoking…"
            onConfirm={async () => {
              await revoke.mutateAsync({ tenant, keyId: key.id });
              onRevoked(key.name);
            }}
          />
        ),
    },
  ];
  return <DataTable caption="API keys" columns={columns} rows={sortKeys(keys, now)} rowKey={(key) => key.id} />;
}
