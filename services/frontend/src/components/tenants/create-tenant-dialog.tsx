'use client';

import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog, DialogClose, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { InlineError } from '@/components/ui/states';
import { isApiError } from '@/data/fetcher';
import { useTenantCreateMutation } from '@/data/tenants/tenant-mutations';
import { quotaForm, quotasFromForm, type QuotaForm } from '@/lib/quotas';
import { suggestTenantId, tenantIdProblem } from '@/lib/tenant-id';
import { QuotaFields } from './quota-fields';

const NO_LIMITS: QuotaForm = quotaForm({ max_databases: null, max_database_bytes: null, requests_per_second: null });

/** Platform admins create tenants: a name, an id (suggested from the name) and optional quotas. */
export function CreateTenantDialog({ onCreated }: { onCreated?: (id: string) => void }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [id, setId] = useState('');
  const [idEdited, setIdEdited] = useState(false);
  const [touched, setTouched] = useState(false);
  const [quotas, setQuotas] = useState<QuotaForm>(NO_LIMITS);
  const create = useTenantCreateMutation();

  const effectiveId = idEdited ? id : suggestTenantId(name);
  const idProblem = tenantIdProblem(effectiveId);
  const nameProblem = name.trim() === '' ? 'Enter a name.' : name.length > 200 ? 'Use at most 200 characters.' : null;
  const parsed = quotasFromForm(quotas);
  const invalid = idProblem !== null || nameProblem !== null || Object.keys(parsed.problems).length > 0;
  const gatewayProblems = isApiError(create.error) ? create.error.fieldProblems : [];

  function reset() {
    setName('');
    setId('');
    setIdEdited(false);
    setTouched(false);
    setQuotas(NO_LIMITS);
    create.reset();
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setTouched(true);
    if (invalid) return;
    try {
      const tenant = await create.mutateAsync({ id: effectiveId, name: name.trim(), quotas: parsed.quotas });
      setOpen(false);
      reset();
      onCreated?.(tenant.id);
    } catch {
      // Shown from create.error below.
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
        <Button variant="primary">New tenant</Button>
      </DialogTrigger>
      <DialogContent title="New tenant" description="A tenant owns databases, members and API keys. Add its first owner next.">
        <form className="space-y-4" onSubmit={onSubmit} noValidate>
          <Field
            label="Name"
            autoComplete="off"
            required
            maxLength={200}
            value={name}
            onChange={(event) => setName(event.target.value)}
            error={touched ? nameProblem : null}
          />
          <Field
            label="ID"
            autoComplete="off"
            spellCheck={false}
            required
            maxLength={63}
            value={effectiveId}
            onChange={(event) => {
              setId(event.target.value);
              setIdEdited(true);
              setTouched(true);
            }}
            hint="Lower-case letters, digits and “-”; it can't be changed later."
            error={touched || idEdited ? (idProblem ?? gatewayProblems.find((p) => p.field === 'body.id')?.message) : null}
          />
          <fieldset className="space-y-3 rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
            <legend className="px-1 text-sm font-medium">Quotas (optional; empty means no limit)</legend>
            <QuotaFields form={quotas} onChange={setQuotas} problems={touched ? parsed.problems : {}} stacked />
          </fieldset>
          {create.error ? <InlineError>{create.error.message}</InlineError> : null}
          <div className="flex justify-end gap-2">
            <DialogClose asChild>
              <Button>Cancel</Button>
            </DialogClose>
            <Button type="submit" variant="primary" disabled={create.isPending || (touched && invalid)}>
              {create.isPending ? 'Creating…' : 'Create tenant'}
            </Button>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}
