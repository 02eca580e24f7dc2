'use client';

import { useState, type FormEvent } from 'react';
import { OneTimeSecret } from '@/components/tenants/one-time-secret';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Dialog, DialogClose, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { QueryView } from '@/components/ui/query-view';
import { EmptyState, InlineError } from '@/components/ui/states';
import { isApiError } from '@/data/fetcher';
import { useSchemaQuery } from '@/data/resources/schema-query';
import { useWebhookDeleteMutation, useWebhookPutMutation, useWebhooksQuery, type WebhookInfo } from '@/data/webhooks/webhooks';
import { formatDateTime } from '@/lib/format';

/** The gateway's rule for hook names (`HOOK_NAME_PATTERN`). */
const HOOK_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function hookNameProblem(name: string): string | null {
  if (name.trim() === '') return 'Enter the hook’s name, as resources name it under hooks:.';
  if (!HOOK_NAME.test(name.trim())) return 'Use letters, digits and _ (not first: a digit), at most 63.';
  return null;
}

export function webhookUrlProblem(url: string): string | null {
  if (url.trim() === '') return 'Enter the URL that receives the calls.';
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return 'Enter a full URL, such as https://hooks.example.com/dbforge.';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'Use an http or https URL.';
  return null;
}

/** The hook names the database's resources use (under `hooks:`), to suggest. */
function hookNamesOf(schema: ReturnType<typeof useSchemaQuery>['data']): string[] {
  const names = new Set<string>();
  for (const resource of schema?.resources ?? []) {
    for (const list of Object.values(resource.definition.hooks ?? {})) for (const name of list ?? []) names.add(name);
  }
  return [...names].sort();
}

/**
 * The webhooks of the database's resource hooks: each hook name with its URL. Setting one without a secret has the
 * gateway generate it, and answer it once: it is shown once here. Secrets are never listed.
 */
export function WebhooksCard({ database, canManage }: { database: string; canManage: boolean }) {
  const hooks = useWebhooksQuery(database, { enabled: canManage });
  const schema = useSchemaQuery(database, { enabled: canManage });
  const [notice, setNotice] = useState('');
  const used = hookNamesOf(schema.data);
  const configured = new Set(hooks.data?.map((h) => h.hook) ?? []);
  const missing = used.filter((name) => !configured.has(name));

  return (
    <Card
      title="Webhooks"
      id="webhooks-title"
      actions={canManage ? <WebhookDialog database={database} suggestions={missing} onSaved={setNotice} /> : null}
    >
      {!canManage ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Only owners and developers of the database’s tenant see and set its webhooks.</p>
      ) : (
        <div className="space-y-3">
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            A resource’s <code>hooks:</code> call the webhook set here under the same name: a signed JSON POST
            (<code>X-DBForge-Signature</code>). Before-hooks can veto a write; after-hooks are retried until delivered.
          </p>
          {missing.length > 0 ? (
            <p className="text-sm text-amber-900 dark:text-amber-200">
              Hooks without a webhook (skipped): <span className="font-mono">{missing.join(', ')}</span>
            </p>
          ) : null}
          <p role="status" className="text-sm text-emerald-700 empty:hidden dark:text-emerald-400">
            {notice}
          </p>
          <QueryView
            query={hooks}
            loadingLabel="Loading webhooks…"
            errorTitle="The webhooks could not be loaded."
            empty={<EmptyState title="No webhooks yet">Set one with “New webhook”.</EmptyState>}
          >
            {(list) => <WebhooksTable database={database} webhooks={list} onChanged={setNotice} />}
          </QueryView>
        </div>
      )}
    </Card>
  );
}

function WebhooksTable({ database, webhooks, onChanged }: { database: string; webhooks: WebhookInfo[]; onChanged: (notice: string) => void }) {
  const remove = useWebhookDeleteMutation();
  const columns: Column<WebhookInfo>[] = [
    { header: 'Hook', className: 'font-mono', cell: (webhook) => webhook.hook },
    { header: 'URL', className: 'max-w-80 truncate font-mono text-xs', title: (webhook) => webhook.url, cell: (webhook) => webhook.url },
    { header: 'Created', cell: (webhook) => <time dateTime={webhook.created_at}>{formatDateTime(webhook.created_at)}</time> },
    { header: 'Updated', cell: (webhook) => <time dateTime={webhook.updated_at}>{formatDateTime(webhook.updated_at)}</time> },
    {
      header: 'Actions',
      hideHeader: true,
      className: 'text-right whitespace-nowrap',
      cell: (webhook) => (
        <>
          <WebhookDialog database={database} existing={webhook} onSaved={onChanged} />
          <ConfirmDialog
            trigger={
              <Button variant="ghost" size="sm" aria-label={`Delete webhook ${webhook.hook}`}>
                Delete
              </Button>
            }
            title={`Delete the webhook of ${webhook.hook}?`}
            description="The hook is skipped from then on: before-hooks no longer decide, after-hooks are not delivered."
            confirmLabel="Delete webhook"
            pendingLabel="Deleting…"
            onConfirm={async () => {
              await remove.mutateAsync({ database, hook: webhook.hook });
              onChanged(`Webhook ${webhook.hook} deleted.`);
            }}
          />
        </>
      ),
    },
  ];
  const sorted = [...webhooks].sort((a, b) => a.hook.localeCompare(b.hook));
  return <DataTable caption="Webhooks" columns={columns} rows={sorted} rowKey={(webhook) => webhook.hook} />;
}

/** "New webhook" (or "Change" of one): the hook, the URL and an optional secret; a generated secret is shown once. */
function WebhookDialog({
  database,
  existing,
  suggestions = [],
  onSaved,
}: {
  database: string;
  existing?: WebhookInfo;
  suggestions?: readonly string[];
  onSaved: (notice: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const put = useWebhookPutMutation();

  function close() {
    setOpen(false);
    // A generated secret leaves the page's memory with the mutation's state.
    put.reset();
  }

  const secret = put.data?.webhook.secret;
  return (
    <Dialog open={open} onOpenChange={(next) => (next ? setOpen(true) : close())}>
      <DialogTrigger asChild>
        {existing ? (
          <Button variant="ghost" size="sm" aria-label={`Change webhook ${existing.hook}`}>
            Change
          </Button>
        ) : (
          <Button variant="primary">New webhook</Button>
        )}
      </DialogTrigger>
      {secret !== undefined && put.data ? (
        <DialogContent title="Webhook set" description="Verify every call with this secret: the HMAC-SHA256 of the body." keepOpenOnOutsideClick>
          <OneTimeSecret
            label={`Signing secret for ${put.data.webhook.hook}`}
            secret={secret}
            copyLabel="Copy secret"
            what="signing secret"
            note="You won’t see it again: the gateway signs with it but never shows it. If it is lost, set the webhook again for a new one."
            onDone={close}
          >
            {put.data.webhook.hook} → {put.data.webhook.url}
          </OneTimeSecret>
        </DialogContent>
      ) : (
        <DialogContent
          title={existing ? `Change webhook ${existing.hook}` : 'New webhook'}
          description="The gateway POSTs signed JSON to the URL when a resource runs the hook."
        >
          {open ? (
            <WebhookForm
              database={database}
              existing={existing}
              suggestions={suggestions}
              put={put}
              onSaved={(hook, created, generated) => {
                onSaved(`Webhook ${hook} ${created ? 'set' : 'changed'}.`);
                if (!generated) close();
              }}
            />
          ) : null}
        </DialogContent>
      )}
    </Dialog>
  );
}

function WebhookForm({
  database,
  existing,
  suggestions,
  put,
  onSaved,
}: {
  database: string;
  existing: WebhookInfo | undefined;
  suggestions: readonly string[];
  put: ReturnType<typeof useWebhookPutMutation>;
  onSaved: (hook: string, created: boolean, generated: boolean) => void;
}) {
  const [hook, setHook] = useState(existing?.hook ?? suggestions[0] ?? '');
  const [url, setUrl] = useState(existing?.url ?? '');
  const [secret, setSecret] = useState('');
  const [touched, setTouched] = useState(false);
  const hookProblem = hookNameProblem(hook);
  const urlProblem = webhookUrlProblem(url);
  const secretProblem = secret !== '' && secret.length < 16 ? 'Use at least 16 characters, or leave it empty to have one generated.' : null;
  const problems = isApiError(put.error) ? put.error.fieldProblems : [];
  const server = (field: string) => problems.find((p) => p.field === `body.${field}` || p.field === `params.${field}`)?.message;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setTouched(true);
    if (hookProblem || urlProblem || secretProblem) return;
    try {
      const result = await put.mutateAsync({
        database,
        hook: hook.trim(),
        webhook: { url: url.trim(), ...(secret === '' ? {} : { secret }) },
      });
      onSaved(result.webhook.hook, result.created, result.webhook.secret !== undefined);
    } catch {
      // Shown from put.error below.
    }
  }

  return (
    <form className="space-y-4" onSubmit={(event) => void onSubmit(event)} noValidate>
      <Field
        label="Hook"
        autoComplete="off"
        spellCheck={false}
        value={hook}
        readOnly={existing !== undefined}
        list={suggestions.length > 0 ? 'webhook-hook-suggestions' : undefined}
        onChange={(event) => setHook(event.target.value)}
        hint="The name a resource gives under hooks: (before_create: verify_customer)."
        error={touched ? (hookProblem ?? server('hook')) : server('hook')}
      />
      {suggestions.length > 0 ? (
        <datalist id="webhook-hook-suggestions">
          {suggestions.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
      ) : null}
      <Field
        label="URL"
        type="url"
        autoComplete="off"
        spellCheck={false}
        value={url}
        onChange={(event) => setUrl(event.target.value)}
        hint="http or https, without credentials. The gateway calls it, so it must reach it."
        error={touched ? (urlProblem ?? server('url')) : server('url')}
      />
      <Field
        label="Secret (optional)"
        type="password"
        autoComplete="new-password"
        value={secret}
        onChange={(event) => setSecret(event.target.value)}
        hint={existing ? 'Empty: a new secret is generated and shown once.' : 'Empty: one is generated and shown once.'}
        error={touched ? (secretProblem ?? server('secret')) : server('secret')}
      />
      {put.error && problems.length === 0 ? <InlineError>{put.error.message}</InlineError> : null}
      <div className="flex justify-end gap-2">
        <DialogClose asChild>
          <Button>Cancel</Button>
        </DialogClose>
        <Button type="submit" variant="primary" disabled={put.isPending}>
          {put.isPending ? 'Saving…' : 'Save webhook'}
        </Button>
      </div>
    </form>
  );
}
