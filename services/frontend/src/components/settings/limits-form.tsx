'use client';

import type { DatabaseInfo, DatabaseSettings } from '@dbforge/contracts';
import { useState, type FormEvent } from 'react';
import { LIMITS, limitProblem, type LimitKey } from '@/components/databases/create-database-dialog';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { InlineError } from '@/components/ui/states';
import { useDatabaseSettingsUpdateMutation } from '@/data/databases/database-settings-update-mutation';
import { isApiError } from '@/data/fetcher';

export function LimitsForm({ database, settings }: { database: string; settings: DatabaseInfo['settings'] }) {
  const [values, setValues] = useState<Record<LimitKey, string>>(() => ({
    statement_timeout_ms: String(settings.statement_timeout_ms),
    max_result_rows: String(settings.max_result_rows),
    max_result_bytes: String(settings.max_result_bytes),
  }));
  const [saved, setSaved] = useState(false);
  const update = useDatabaseSettingsUpdateMutation();
  const problems = Object.fromEntries(
    LIMITS.map((l) => [l.key, values[l.key].trim() === '' ? 'Enter a value.' : limitProblem(values[l.key], l.min, l.max)]),
  ) as Record<LimitKey, string | null>;
  const gatewayProblems = isApiError(update.error) ? update.error.fieldProblems : [];
  const changed: DatabaseSettings = {};
  for (const limit of LIMITS) {
    const value = Number(values[limit.key]);
    if (value !== settings[limit.key]) changed[limit.key] = value;
  }
  const invalid = Object.values(problems).some((p) => p !== null);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (invalid || Object.keys(changed).length === 0) return;
    setSaved(false);
    update.mutate({ name: database, settings: changed }, { onSuccess: () => setSaved(true) });
  }

  return (
    <form className="space-y-4" onSubmit={onSubmit} noValidate>
      <div className="grid gap-4 sm:grid-cols-3">
        {LIMITS.map((limit) => (
          <Field
            key={limit.key}
            label={limit.label}
            type="number"
            inputMode="numeric"
            min={limit.min}
            max={limit.max}
            value={values[limit.key]}
            onChange={(event) => {
              setSaved(false);
              setValues((prev) => ({ ...prev, [limit.key]: event.target.value }));
            }}
            error={problems[limit.key] ?? gatewayProblems.find((p) => p.field === `body.${limit.key}`)?.message}
          />
        ))}
      </div>
      {update.error && gatewayProblems.length === 0 ? <InlineError>{update.error.message}</InlineError> : null}
      <div className="flex items-center gap-3">
        <Button type="submit" variant="primary" disabled={invalid || update.isPending || Object.keys(changed).length === 0}>
          {update.isPending ? 'Saving…' : 'Save limits'}
        </Button>
        <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
          {saved ? 'Limits saved; the worker applies them now.' : ''}
        </p>
      </div>
    </form>
  );
}
