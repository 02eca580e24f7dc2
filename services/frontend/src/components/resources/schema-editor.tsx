'use client';

import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { useMemo, useRef, useState } from 'react';
import type { CodeEditorHandle } from '@/components/editors/code-editor';
import { YamlEditor } from '@/components/editors/yaml-editor';
import { Button } from '@/components/ui/button';
import { overlayClass, panelClass } from '@/components/ui/dialog';
import { InlineError } from '@/components/ui/states';
import { isApiError } from '@/data/fetcher';
import {
  destructiveStepsOf,
  useSchemaApplyMutation,
  type ApplySchemaReply,
  type PlanStep,
} from '@/data/resources/schema-apply-mutation';
import { schemaYaml, type DatabaseSchema } from '@/data/resources/schema-query';
import { plural } from '@/lib/format';
import { problemPlace, problemRange, problemsFromDetails, problemsFromWarnings, type YamlProblem } from '@/lib/yaml-problems';
import { MigrationPlan, PlanSteps } from './migration-plan';

/** A first resource, for a database that has none yet. */
export const EXAMPLE_RESOURCE = `resource: customers
fields:
  id:
    type: primary_key
  name:
    type: string
    required: true
    max_length: 100
    searchable: true
  email:
    type: email
    required: true
    unique: true
  status:
    type: select
    options: [lead, active, churned]
    default: lead
  created_at:
    type: timestamp
    auto_now_add: true
interface:
  list_display: [id, name, email, status]
  search_fields: [name]
  filters: [status]
  per_page: 20
`;

type Outcome =
  | { kind: 'plan'; reply: ApplySchemaReply }
  | { kind: 'problems'; problems: YamlProblem[]; message: string }
  | { kind: 'error'; message: string };

const NO_PROBLEMS: YamlProblem[] = [];

/**
 * The database's resources as one YAML file: "Check" asks the gateway for the migration plan (a dry run), "Apply"
 * applies it. Problems of a refused config are marked in the editor at their line and column and listed; warnings
 * of a plan are marked too. Destructive steps are applied only after a confirmation that lists them.
 */
export function SchemaEditor({ database, schema, canWrite }: { database: string; schema: DatabaseSchema; canWrite: boolean }) {
  const editor = useRef<CodeEditorHandle>(null);
  const apply = useSchemaApplyMutation();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [status, setStatus] = useState('');
  const [destructive, setDestructive] = useState<PlanStep[] | null>(null);
  const [initialYaml] = useState(() => schemaYaml(schema));

  const problems = useMemo(
    () => (outcome?.kind === 'problems' ? outcome.problems : outcome?.kind === 'plan' ? problemsFromWarnings(outcome.reply.warnings) : NO_PROBLEMS),
    [outcome],
  );

  function text(): string {
    return editor.current?.getValue() ?? '';
  }

  async function run(mode: 'check' | 'apply' | 'apply-destructive') {
    const yaml = text();
    if (yaml.trim() === '') {
      setOutcome({ kind: 'error', message: 'Write a resource first: the editor is empty.' });
      return;
    }
    setStatus(mode === 'check' ? 'Checking…' : 'Applying…');
    try {
      const reply = await apply.mutateAsync({ database, yaml, dryRun: mode === 'check', allowDestructive: mode === 'apply-destructive' });
      setOutcome({ kind: 'plan', reply });
      setDestructive(null);
      const changed = reply.resources.filter((r) => r.status !== 'unchanged');
      if (reply.dry_run) {
        setStatus(`Checked: ${reply.plan.length === 0 ? 'nothing to change' : plural(reply.plan.length, 'step')}. Nothing was applied.`);
      } else {
        setStatus(
          changed.length === 0
            ? 'Applied: nothing changed.'
            : `Applied: ${changed.map((r) => `${r.name} ${r.status} (version ${r.version})`).join(', ')}.`,
        );
      }
    } catch (error) {
      setStatus('');
      const steps = isApiError(error) && error.status === 409 ? destructiveStepsOf(error.details) : [];
      setDestructive(steps.length > 0 ? steps : null);
      if (isApiError(error) && error.status === 422) {
        const found = problemsFromDetails(error.details);
        setOutcome({ kind: 'problems', problems: found, message: error.message });
      } else if (steps.length > 0) {
        // Nothing was applied: the dialog lists the steps, and confirming sends the config again with allow_destructive.
        setOutcome(null);
      } else {
        setOutcome({ kind: 'error', message: (error as Error).message });
      }
    }
  }

  function reveal(problem: YamlProblem) {
    const view = editor.current?.view();
    if (!view) return;
    const { from, to } = problemRange(view.state.doc, problem);
    view.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
    view.focus();
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-2">
        {canWrite ? (
          <>
            <Button onClick={() => void run('check')} disabled={apply.isPending} aria-keyshortcuts="Control+Enter Meta+Enter">
              Check
            </Button>
            <Button variant="primary" onClick={() => void run('apply')} disabled={apply.isPending}>
              Apply
            </Button>
          </>
        ) : null}
        <Button
          variant="ghost"
          onClick={() => {
            editor.current?.setValue(schemaYaml(schema));
            setOutcome(null);
            setStatus('Reloaded the applied resources.');
          }}
        >
          Reload applied
        </Button>
        {schema.resources.length === 0 ? (
          <Button variant="ghost" onClick={() => editor.current?.setValue(EXAMPLE_RESOURCE)}>
            Insert example
          </Button>
        ) : null}
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          {canWrite ? (
            <>
              <kbd className="rounded border border-zinc-300 px-1 dark:border-zinc-700">Ctrl</kbd>/
              <kbd className="rounded border border-zinc-300 px-1 dark:border-zinc-700">⌘</kbd>+
              <kbd className="rounded border border-zinc-300 px-1 dark:border-zinc-700">Enter</kbd> checks. One resource per document
              (<code>---</code> between them); resources left out of the file stay as they are.
            </>
          ) : (
            'Your role can read the resources, not change them.'
          )}
        </p>
      </div>
      <YamlEditor
        ref={editor}
        initialValue={initialYaml}
        problems={problems}
        onCheck={canWrite ? () => void run('check') : undefined}
        placeholder={'resource: customers\nfields:\n  name: {type: string, required: true}'}
        className="h-96 resize-y overflow-hidden rounded-md border border-zinc-300 dark:border-zinc-700"
      />
      <p role="status" className="text-sm text-emerald-700 empty:hidden dark:text-emerald-400">
        {status}
      </p>
      {outcome?.kind === 'error' ? <InlineError>{outcome.message}</InlineError> : null}
      {outcome?.kind === 'problems' ? <ProblemList problems={outcome.problems} message={outcome.message} onReveal={reveal} /> : null}
      {outcome?.kind === 'plan' ? (
        <>
          <MigrationPlan reply={outcome.reply} />
          {outcome.reply.warnings.length > 0 ? (
            <WarningList problems={problems} onReveal={reveal} />
          ) : null}
        </>
      ) : null}
      {schema.warnings.length > 0 ? (
        <section aria-labelledby="schema-warnings-title" className="space-y-1">
          <h3 id="schema-warnings-title" className="text-sm font-semibold">
            Warnings of the applied resources
          </h3>
          <ul className="list-disc space-y-0.5 pl-5 text-sm text-amber-900 dark:text-amber-200">
            {schema.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </section>
      ) : null}
      <DestructiveConfirm
        steps={destructive}
        pending={apply.isPending}
        onCancel={() => setDestructive(null)}
        onConfirm={() => void run('apply-destructive')}
      />
    </div>
  );
}

function ProblemList({ problems, message, onReveal }: { problems: YamlProblem[]; message: string; onReveal: (p: YamlProblem) => void }) {
  return (
    <div role="alert" className="space-y-2 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
      <p className="font-medium">
        {problems.length > 0 ? `The config has ${plural(problems.length, 'problem')}; nothing was applied.` : message}
      </p>
      {problems.length > 0 ? (
        <ul aria-label="Problems" className="space-y-1">
          {problems.map((problem, index) => (
            <li key={index} className="flex flex-wrap items-baseline gap-x-2">
              <button type="button" className="font-mono text-xs underline" onClick={() => onReveal(problem)}>
                {problemPlace(problem)}
              </button>
              <span>
                {problem.path ? <span className="font-mono text-xs">{problem.path}</span> : null} {problem.message}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function WarningList({ problems, onReveal }: { problems: YamlProblem[]; onReveal: (p: YamlProblem) => void }) {
  return (
    <section aria-labelledby="plan-warnings-title" className="space-y-1 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
      <h3 id="plan-warnings-title" className="font-medium">
        Warnings
      </h3>
      <ul className="space-y-1">
        {problems.map((problem, index) => (
          <li key={index} className="flex flex-wrap items-baseline gap-x-2">
            {problem.line !== undefined ? (
              <button type="button" className="font-mono text-xs underline" onClick={() => onReveal(problem)}>
                {problemPlace(problem)}
              </button>
            ) : null}
            <span>
              {problem.path ? <span className="font-mono text-xs">{problem.path}</span> : null} {problem.message}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Asks before steps that lose data or convert stored values, listing them; confirming applies with allow_destructive. */
function DestructiveConfirm({
  steps,
  pending,
  onCancel,
  onConfirm,
}: {
  steps: PlanStep[] | null;
  pending: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <AlertDialog.Root open={steps !== null} onOpenChange={(open) => (open ? undefined : onCancel())}>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className={overlayClass} />
        <AlertDialog.Content className={panelClass}>
          <AlertDialog.Title className="text-lg font-semibold">Apply destructive changes?</AlertDialog.Title>
          <AlertDialog.Description className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
            Nothing was applied yet. These steps rebuild tables or drop data, and can&apos;t be undone:
          </AlertDialog.Description>
          <div className="mt-4 space-y-4">
            {steps ? <PlanSteps steps={steps} label="Destructive steps" /> : null}
            <div className="flex justify-end gap-2">
              <AlertDialog.Cancel asChild>
                <Button>Cancel</Button>
              </AlertDialog.Cancel>
              <Button variant="danger" onClick={onConfirm} disabled={pending}>
                {pending ? 'Applying…' : 'Apply destructive changes'}
              </Button>
            </div>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
