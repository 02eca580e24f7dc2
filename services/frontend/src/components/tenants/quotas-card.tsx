'use client';

import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { InlineError } from '@/components/ui/states';
import { isApiError } from '@/data/fetcher';
import { useTenantUpdateMutation } from '@/data/tenants/tenant-mutations';
import type { Tenant } from '@/data/tenants/tenants-query';
import { formatCount } from '@/lib/format';
import { changedQuotas, describeQuota, quotaForm, quotasFromForm, type QuotaForm, type QuotaKey } from '@/lib/quotas';
import { QuotaFields } from './quota-fields';

const QUOTA_LABELS: Record<QuotaKey, string> = {
  max_databases: 'Max databases',
  max_database_bytes: 'Max database size',
  requests_per_second: 'Requests per second',
};

/** The tenant's quotas: a form for the platform admin, who alone may change them; read-only for everyone else. */
export function QuotasCard({ tenant, editable, databaseCount }: { tenant: Tenant; editable: boolean; databaseCount: number | undefined }) {
  return (
    <Card title="Quotas" id="quotas-title">
      {editable ? (
        <QuotasForm tenant={tenant} databaseCount={databaseCount} />
      ) : (
        <>
          <dl className="grid gap-4 sm:grid-cols-3">
            {(Object.keys(QUOTA_LABELS) as QuotaKey[]).map((key) => (
              <div key={key}>
                <dt className="text-xs font-medium tracking-wide text-zinc-500 uppercase dark:text-zinc-400">{QUOTA_LABELS[key]}</dt>
                <dd className="mt-1 text-lg font-semibold tabular-nums">
                  {describeQuota(key, tenant.quotas[key])}
                  {key === 'max_databases' && databaseCount !== undefined ? (
                    <span className="ml-2 text-sm font-normal text-zinc-500 dark:text-zinc-400">({formatCount(databaseCount)} in use)</span>
                  ) : null}
                </dd>
              </div>
            ))}
          </dl>
          <p className="mt-4 text-sm text-zinc-600 dark:text-zinc-400">Only the platform admin changes quotas.</p>
        </>
      )}
    </Card>
  );
}

function QuotasForm({ tenant, databaseCount }: { tenant: Tenant; databaseCount: number | undefined }) {
  const [form, setForm] = useState<QuotaForm>(() => quotaForm(tenant.quotas));
  const [saved, setSaved] = useState(false);
  const update = useTenantUpdateMutation();
  const { quotas, problems } = quotasFromForm(form);
  const changes = changedQuotas(tenant.quotas, quotas);
  const invalid = Object.keys(problems).length > 0;
  const gatewayProblems = isApiError(update.error) ? update.error.fieldProblems : [];

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (invalid || Object.keys(changes).length === 0) return;
    setSaved(false);
    update.mutate(
      { id: tenant.id, changes: { quotas: changes } },
      {
        // The form starts over from what the gateway answered.
        onSuccess: (updated) => {
          setForm(quotaForm(updated.quotas));
          setSaved(true);
        },
      },
    );
  }

  return (
    <form className="space-y-4" onSubmit={onSubmit} noValidate>
      <QuotaFields
        form={form}
        onChange={(next) => {
          setSaved(false);
          setForm(next);
        }}
        problems={{
          ...problems,
          ...Object.fromEntries(gatewayProblems.map((p) => [p.field.replace(/^body\.quotas\./, '').replace('max_database_bytes', 'max_database_size'), p.message])),
        }}
      />
      {databaseCount !== undefined ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">The tenant owns {formatCount(databaseCount)} {databaseCount === 1 ? 'database' : 'databases'}.</p>
      ) : null}
      {update.error && gatewayProblems.length === 0 ? <InlineError>{update.error.message}</InlineError> : null}
      <div className="flex items-center gap-3">
        <Button type="submit" variant="primary" disabled={invalid || update.isPending || Object.keys(changes).length === 0}>
          {update.isPending ? 'Saving…' : 'Save quotas'}
        </Button>
        <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
          {saved ? 'Quotas saved.' : ''}
        </p>
      </div>
    </form>
  );
}
