'use client';

import { useRef, useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { Dialog, DialogClose, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { SelectField } from '@/components/ui/select-field';
import { InlineError } from '@/components/ui/states';
import { isApiError } from '@/data/fetcher';
import { useApiKeyCreateMutation, type CreatedApiKey } from '@/data/tenants/api-keys';
import { scopeLabel, type KeyScope } from '@/lib/access';
import { expiryFromLocal } from '@/lib/api-keys';
import { formatDateTime } from '@/lib/format';

/**
 * Creates an API key, then shows its secret once: the gateway keeps only a hash, and the console keeps the secret
 * only while this dialog is open (not in the query cache, not in storage). Closing the dialog forgets it.
 */
export function CreateApiKeyDialog({
  tenant,
  databases,
  scopes,
  onCreated,
}: {
  tenant: string;
  databases: readonly string[];
  scopes: readonly KeyScope[];
  onCreated?: (name: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const create = useApiKeyCreateMutation();

  function close() {
    setOpen(false);
    // The secret leaves the page's memory with the mutation's state.
    create.reset();
  }

  const created = create.data;
  return (
    <Dialog open={open} onOpenChange={(next) => (next ? setOpen(true) : close())}>
      <DialogTrigger asChild>
        <Button variant="primary" disabled={scopes.length === 0}>
          New API key
        </Button>
      </DialogTrigger>
      {created ? (
        <DialogContent title="API key created" description="Copy the key now and keep it somewhere safe." keepOpenOnOutsideClick>
          <SecretView created={created} onDone={close} />
        </DialogContent>
      ) : (
        <DialogContent title="New API key" description="For an application: send it as X-API-Key or Authorization: Bearer.">
          <NewKeyForm
            tenant={tenant}
            databases={databases}
            scopes={scopes}
            create={create}
            onCreated={(name) => onCreated?.(name)}
          />
        </DialogContent>
      )}
    </Dialog>
  );
}

function NewKeyForm({
  tenant,
  databases,
  scopes,
  create,
  onCreated,
}: {
  tenant: string;
  databases: readonly string[];
  scopes: readonly KeyScope[];
  create: ReturnType<typeof useApiKeyCreateMutation>;
  onCreated: (name: string) => void;
}) {
  const [name, setName] = useState('');
  // Least privilege first: read only unless the caller asks for more.
  const [scope, setScope] = useState<KeyScope>(scopes.includes('read_only') ? 'read_only' : (scopes[0] ?? 'read_only'));
  const [database, setDatabase] = useState('');
  const [expires, setExpires] = useState('');
  const [touched, setTouched] = useState(false);
  const nameProblem = name.trim() === '' ? 'Enter a name.' : name.trim().length > 100 ? 'Use at most 100 characters.' : null;
  const expiry = expiryFromLocal(expires);
  const problems = isApiError(create.error) ? create.error.fieldProblems : [];

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setTouched(true);
    if (nameProblem !== null || expiry.problem !== null) return;
    try {
      await create.mutateAsync({
        tenant,
        key: {
          name: name.trim(),
          scope,
          ...(database === '' ? {} : { database }),
          ...(expiry.iso === undefined ? {} : { expires_at: expiry.iso }),
        },
      });
      onCreated(name.trim());
    } catch {
      // Shown from create.error below.
    }
  }

  return (
    <form className="space-y-4" onSubmit={onSubmit} noValidate>
      <Field
        label="Name"
        autoComplete="off"
        maxLength={100}
        value={name}
        onChange={(event) => setName(event.target.value)}
        hint="What uses the key, so you know which one to revoke."
        error={touched ? (nameProblem ?? problems.find((p) => p.field === 'body.name')?.message) : null}
      />
      <SelectField label="Scope" value={scope} onChange={(event) => setScope(event.target.value as KeyScope)}
        hint="Admin: everything, members and keys included. Read and write: SQL, schema and data. Read only: reads.">
        {scopes.map((s) => (
          <option key={s} value={s}>
            {scopeLabel(s)}
          </option>
        ))}
      </SelectField>
      <SelectField label="Database" value={database} onChange={(event) => setDatabase(event.target.value)}
        hint="A key for one database reaches nothing else of the tenant."
        error={problems.find((p) => p.field === 'body.database')?.message}>
        <option value="">All databases</option>
        {databases.map((db) => (
          <option key={db} value={db}>
            {db}
          </option>
        ))}
      </SelectField>
      <Field
        label="Expires (optional)"
        type="datetime-local"
        value={expires}
        onChange={(event) => setExpires(event.target.value)}
        hint="In your time zone. Empty: the key works until it is revoked."
        error={touched ? (expiry.problem ?? problems.find((p) => p.field === 'body.expires_at')?.message) : null}
      />
      {create.error && problems.length === 0 ? <InlineError>{create.error.message}</InlineError> : null}
      <div className="flex justify-end gap-2">
        <DialogClose asChild>
          <Button>Cancel</Button>
        </DialogClose>
        <Button type="submit" variant="primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create key'}
        </Button>
      </div>
    </form>
  );
}

function SecretView({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="space-y-4">
      <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
        <p className="font-medium">This is the only time you will see this key.</p>
        <p>You won’t see it again: DB-Forge keeps only its hash. If it is lost, revoke it and create another.</p>
      </div>
      <div className="space-y-1">
        <label htmlFor="created-key-secret" className="block text-sm font-medium">
          API key for {created.key.name}
        </label>
        <input
          ref={input}
          id="created-key-secret"
          readOnly
          value={created.secret}
          spellCheck={false}
          autoComplete="off"
          className="field-input font-mono text-xs"
          onFocus={(event) => event.currentTarget.select()}
        />
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <CopyButton text={created.secret} fallbackTarget={() => input.current} label="Copy key" />
      </div>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {scopeLabel(created.key.scope)}
        {created.key.database ? `, database ${created.key.database}` : ', all databases'}
        {created.key.expires_at ? `, expires ${formatDateTime(created.key.expires_at)}` : ', never expires'}.
      </p>
      <div className="flex justify-end">
        <Button variant="primary" onClick={onDone}>
          Done
        </Button>
      </div>
    </div>
  );
}
