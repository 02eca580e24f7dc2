'use client';

import type { SpawnBody } from '@dbforge/contracts';
import { useId, useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog, DialogClose, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { SelectField } from '@/components/ui/select-field';
import { InlineError } from '@/components/ui/states';
import { useDatabaseCreateMutation } from '@/data/databases/database-create-mutation';
import { isApiError } from '@/data/fetcher';
import { databaseNameProblem } from '@/lib/database-name';

/** The limits the gateway accepts (DatabaseSettingsSchema): an empty field keeps the gateway's default. */
export const LIMITS = [
  { key: 'statement_timeout_ms', label: 'Statement timeout (ms)', min: 100, max: 3_600_000, placeholder: '30000' },
  { key: 'max_result_rows', label: 'Max result rows', min: 1, max: 1_000_000, placeholder: '10000' },
  { key: 'max_result_bytes', label: 'Max result bytes', min: 1024, max: 512 * 1024 * 1024, placeholder: '16777216' },
] as const;

export type LimitKey = (typeof LIMITS)[number]['key'];

/** The problem with one limit's text, or null when it is empty or within range. */
export function limitProblem(text: string, min: number, max: number): string | null {
  if (text.trim() === '') return null;
  const value = Number(text);
  if (!Number.isInteger(value)) return 'Enter a whole number.';
  if (value < min || value > max) return `Between ${min.toLocaleString()} and ${max.toLocaleString()}.`;
  return null;
}

type Engine = 'sqlite' | 'duckdb';

export interface TenantChoice {
  /** The tenants the caller may create databases in; empty while they load. */
  choices: readonly string[];
  /** The one selected until the user picks another; empty when the caller must choose. */
  initial: string;
}

export interface CreateDatabaseDialogProps {
  onCreated?: (name: string) => void;
  /**
   * For callers who span tenants (the platform admin, members of several): which tenant gets the database. Without
   * it the gateway puts the database in the caller's own tenant.
   */
  tenant?: TenantChoice;
}

export function CreateDatabaseDialog({ onCreated, tenant: tenantChoice }: CreateDatabaseDialogProps) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  // What the user picked; until then the initial choice, which may arrive after the dialog opened.
  const [pickedTenant, setPickedTenant] = useState<string | null>(null);
  const tenant = pickedTenant ?? tenantChoice?.initial ?? '';
  const [touched, setTouched] = useState(false);
  const [engine, setEngine] = useState<Engine>('sqlite');
  const [limits, setLimits] = useState<Record<LimitKey, string>>({ statement_timeout_ms: '', max_result_rows: '', max_result_bytes: '' });
  const [refusal, setRefusal] = useState<string | null>(null);
  const create = useDatabaseCreateMutation();
  const engineId = useId();

  // Only the gateway knows whether a name is taken (names are unique regardless of case): it says so on Create.
  const nameProblem = databaseNameProblem(name);
  const limitProblems = Object.fromEntries(LIMITS.map((l) => [l.key, limitProblem(limits[l.key], l.min, l.max)])) as Record<LimitKey, string | null>;
  const gatewayFieldProblems = isApiError(create.error) ? create.error.fieldProblems : [];
  const tenantProblem = tenantChoice !== undefined && tenant === '' ? 'Choose a tenant.' : null;
  const invalid = nameProblem !== null || tenantProblem !== null || Object.values(limitProblems).some((p) => p !== null);

  function reset() {
    setName('');
    setTouched(false);
    setEngine('sqlite');
    setPickedTenant(null);
    setLimits({ statement_timeout_ms: '', max_result_rows: '', max_result_bytes: '' });
    setRefusal(null);
    create.reset();
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setTouched(true);
    if (invalid) return;
    setRefusal(null);
    const options: SpawnBody = { engine, ...(tenantChoice !== undefined ? { tenant } : {}) };
    for (const limit of LIMITS) if (limits[limit.key].trim() !== '') options[limit.key] = Number(limits[limit.key]);
    try {
      const result = await create.mutateAsync({ name, options });
      if (!result.created) {
        // The spawn route is idempotent; in a dialog called "New database" an existing one is a refusal.
        setRefusal(`A database named ${result.db_name} already exists.`);
        return;
      }
      setOpen(false);
      reset();
      onCreated?.(result.db_name);
    } catch (error) {
      setRefusal(isApiError(error) ? error.message : 'The database could not be created.');
    }
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) reset();
      }}
    >
      <DialogTrigger asChild>
        <Button variant="primary">New database</Button>
      </DialogTrigger>
      <DialogContent title="New database" description="A worker starts for it right away.">
        <form className="space-y-4" onSubmit={onSubmit} noValidate>
          <Field
            label="Name"
            name="name"
            autoComplete="off"
            spellCheck={false}
            required
            value={name}
            maxLength={100}
            onChange={(event) => {
              setName(event.target.value);
              setTouched(true);
            }}
            hint="Letters, digits, “_”, “.” and “-”; starts with a letter or digit; at most 63 characters."
            error={touched ? nameProblem : null}
          />
          {tenantChoice !== undefined ? (
            <SelectField
              label="Tenant"
              name="tenant"
              value={tenant}
              onChange={(event) => setPickedTenant(event.target.value)}
              error={touched ? (tenantProblem ?? gatewayFieldProblems.find((p) => p.field === 'body.tenant')?.message) : null}
            >
              {tenant === '' ? (
                <option value="" disabled>
                  {tenantChoice.choices.length === 0 ? 'Loading tenants…' : 'Choose a tenant…'}
                </option>
              ) : null}
              {tenantChoice.choices.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </SelectField>
          ) : null}
          <div className="space-y-1">
            <label htmlFor={engineId} className="block text-sm font-medium">
              Engine
            </label>
            <select id={engineId} name="engine" className="field-input" value={engine} onChange={(event) => setEngine(event.target.value as Engine)}>
              <option value="sqlite">SQLite</option>
              <option value="duckdb">DuckDB</option>
            </select>
          </div>
          <fieldset className="space-y-3 rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
            <legend className="px-1 text-sm font-medium">Limits (optional)</legend>
            {LIMITS.map((limit) => (
              <Field
                key={limit.key}
                label={limit.label}
                name={limit.key}
                type="number"
                inputMode="numeric"
                min={limit.min}
                max={limit.max}
                placeholder={limit.placeholder}
                value={limits[limit.key]}
                onChange={(event) => setLimits((prev) => ({ ...prev, [limit.key]: event.target.value }))}
                error={limitProblems[limit.key] ?? gatewayFieldProblems.find((p) => p.field === `body.${limit.key}`)?.message}
              />
            ))}
          </fieldset>
          {refusal ? <InlineError>{refusal}</InlineError> : null}
          <div className="flex justify-end gap-2">
            <DialogClose asChild>
              <Button>Cancel</Button>
            </DialogClose>
            <Button type="submit" variant="primary" disabled={create.isPending || (touched && invalid)}>
              {create.isPending ? 'Creating…' : 'Create'}
            </Button>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}
