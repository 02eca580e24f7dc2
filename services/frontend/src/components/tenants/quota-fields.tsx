'use client';

import { Field } from '@/components/ui/field';
import { SelectField } from '@/components/ui/select-field';
import { formatBytes } from '@/lib/format';
import { quotasFromForm, SIZE_UNITS, type QuotaForm, type QuotaProblems, type SizeUnit } from '@/lib/quotas';

/** The three quotas of a tenant, each empty for "no limit"; the size in a unit of the user's choice. */
export function QuotaFields({
  form,
  onChange,
  problems,
  stacked = false,
}: {
  form: QuotaForm;
  onChange: (next: QuotaForm) => void;
  problems: QuotaProblems;
  /** One field under the other, for a dialog; side by side otherwise. */
  stacked?: boolean;
}) {
  const bytes = quotasFromForm(form).quotas.max_database_bytes;
  return (
    <div className={stacked ? 'grid gap-4' : 'grid gap-4 sm:grid-cols-3'}>
      <Field
        label="Max databases"
        type="number"
        inputMode="numeric"
        min={0}
        placeholder="No limit"
        value={form.max_databases}
        onChange={(event) => onChange({ ...form, max_databases: event.target.value })}
        error={problems.max_databases}
      />
      <div className="space-y-1">
        <div className="flex gap-2">
          <Field
            className="flex-1"
            label="Max database size"
            type="number"
            inputMode="decimal"
            min={0}
            step="any"
            placeholder="No limit"
            value={form.max_database_size}
            onChange={(event) => onChange({ ...form, max_database_size: event.target.value })}
            error={problems.max_database_size}
            hint={bytes !== null && problems.max_database_size === undefined ? `${formatBytes(bytes)} per database` : 'Per database'}
          />
          <SelectField
            label="Size unit"
            className="w-24"
            value={form.max_database_unit}
            onChange={(event) => onChange({ ...form, max_database_unit: event.target.value as SizeUnit })}
          >
            {SIZE_UNITS.map((unit) => (
              <option key={unit.value} value={unit.value}>
                {unit.value}
              </option>
            ))}
          </SelectField>
        </div>
      </div>
      <Field
        label="Requests per second"
        type="number"
        inputMode="numeric"
        min={1}
        placeholder="No limit"
        value={form.requests_per_second}
        onChange={(event) => onChange({ ...form, requests_per_second: event.target.value })}
        error={problems.requests_per_second}
        hint="Over all the tenant's callers"
      />
    </div>
  );
}
