'use client';

import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog, DialogClose, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { SelectField } from '@/components/ui/select-field';
import { InlineError } from '@/components/ui/states';
import { isApiError } from '@/data/fetcher';
import { useApiKeyCreateMutation, type CreatedApiKey } from '@/data/tenants/api-keys';
import { scopeLabel, type KeyScope } from '@/lib/access';
import { expiryFromLocal } from '@/lib/api-keys';
import { formatDateTime } from '@/lib/format';
import { OneTimeSecret } from './one-time-secret';

/**
 * Creates an API key, then shows its secret once: the gateway keeps only a hash, and the console keeps the secret
 * only while this dialog is open (not in the query cache, not in storage). Closing the dialog forgets it.
 */
export function CreateApiKeyDialog({
  tenant,
  databases,
  database,
  scopes,
  onCreated,
}: {
  tenant: string;
  /** The databases a key may be limited to (all of them when none is chosen). */
  databases: readonly string[];
  /** Every key created here is limited to this database (a database's settings); no choice is offered. */
  database?: string;
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
        <DialogContent
          title="New API key"
          description={
            database === undefined
              ? 'For an application: send it as X-API-Key or Authorization: Bearer.'
              : `For an application that uses ${database} only: send it as X-API-Key or Authorization: Bearer.`
          }
        >
          <NewKeyForm
            tenant={tenant}
            databases={databases}
            fixedDatabase={database}
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
  fixedDatabase,
  scopes,
  create,
  onCreated,
}: {
  tenant: string;
  databases: readonly string[];
  fixedDatabase: string | undefined;
  scopes: readonly KeyScope[];
  create: ReturnType<typeof useApiKeyCreateMutation>;
  onCreated: (name: string) => void;
}) {
  const [name, setName] = useState('');
  // Least privilege first: read only unless the caller asks for more.
  const [scope, setScope] = useState<KeyScope>(scopes.includes('read_only') ? 'read_only' : (scopes[0] ?? 'read_only'));
  const [chosenDatabase, setDatabase] = useState('');
  const database = fixedDatabase ?? chosenDatabase;
  const [expires, setExpires] = useState('');
  const [touched, setTouched] = useState(false);
  const nameProblem = name.trim() === '' ? 'Enter a name.' : name.trim().length > 100 ? 'Use at most 100 characters.' : null;
  const expiry = expiryFromLocal(expires);
  const problems = isApiError(create.error) ? create.error.fieldProblems : [];
  const databaseProblem = problems.find((p) => p.field === 'body.database')?.message;

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
      {fixedDatabase === undefined ? (
        <SelectField label="Database" value={database} onChange={(event) => setDatabase(event.target.value)}
          hint="A key for one database reaches nothing else of the tenant."
          error={databaseProblem}>
          <option value="">All databases</option>
          {databases.map((db) => (
            <option key={db} value={db}>
              {db}
            </option>
          ))}
        </SelectField>
      ) : (
        <div className="space-y-1 text-sm">
          <p className="font-medium">Database</p>
          <p>
            <span className="font-mono">{fixedDatabase}</span>
            <span className="text-zinc-600 dark:text-zinc-400">: the key reaches nothing else of the tenant.</span>
          </p>
          {databaseProblem ? <p className="text-xs text-red-700 dark:text-red-400">{databaseProblem}</p> : null}
        </div>
      )}
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
  return (
    <OneTimeSecret
      label={`API key for ${created.key.name}`}
      secret={created.secret}
      copyLabel="Copy key"
      what="key"
      note="You won’t see it again: DB-Forge keeps only its hash. If it is lost, revoke it and create another."
      onDone={onDone}
    >
      {scopeLabel(created.key.scope)}
      {created.key.database ? `, database ${created.key.database}` : ', all databases'}
      {created.key.expires_at ? `, expires ${formatDateTime(created.key.expires_at)}` : ', never expires'}.
    </OneTimeSecret>
  );
}
