'use client';

import { useRouter } from 'next/navigation';
import { useDatabaseAccess } from '@/components/database/use-database-access';
import { PruneDatabaseDialog } from '@/components/databases/prune-database-dialog';
import { Card } from '@/components/ui/card';
import { QueryView } from '@/components/ui/query-view';
import { LoadingState } from '@/components/ui/states';
import { useDatabaseQuery } from '@/data/databases/database-query';
import { DatabaseKeysCard } from './database-keys-card';
import { LimitsForm } from './limits-form';
import { LogsPanel } from './logs-panel';
import { WebhooksCard } from './webhooks-card';

export function SettingsView({ database }: { database: string }) {
  const info = useDatabaseQuery(database, { refetchInterval: false });
  const access = useDatabaseAccess(database);
  const router = useRouter();

  return (
    <div className="space-y-6">
      <Card title="Limits" id="limits-title">
        <QueryView query={info} loadingLabel="Loading limits…" errorTitle="The limits could not be loaded.">
          {(details) => <LimitsForm database={database} settings={details.settings} />}
        </QueryView>
      </Card>
      {access.pending ? (
        <LoadingState label="Loading API keys and webhooks…" />
      ) : (
        <>
          <DatabaseKeysCard database={database} tenant={access.tenant} canManage={access.allowed('keys')} me={access.me} />
          <WebhooksCard database={database} canManage={access.allowed('manage')} />
        </>
      )}
      <Card title="Logs" id="logs-title">
        <LogsPanel database={database} />
      </Card>
      {access.allowed('delete') ? (
        <Card title="Danger zone" id="danger-title">
          <div className="flex flex-wrap items-center justify-between gap-4">
            <p className="max-w-prose text-sm text-zinc-600 dark:text-zinc-400">
              Pruning stops the worker and deletes the database file with all its data.
            </p>
            <PruneDatabaseDialog name={database} size="md" onPruned={() => router.push('/databases')} />
          </div>
        </Card>
      ) : null}
    </div>
  );
}
