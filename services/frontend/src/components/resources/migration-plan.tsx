import type { ApplySchemaReply, PlanStep } from '@/data/resources/schema-apply-mutation';
import { cn } from '@/lib/cn';
import { plural } from '@/lib/format';

const STATUS_WORDS: Record<ApplySchemaReply['resources'][number]['status'], string> = {
  created: 'created',
  updated: 'updated',
  unchanged: 'unchanged',
};

/** One step of a migration: what it does, whether it loses data, and the SQL it runs (folded away). */
export function PlanSteps({ steps, label }: { steps: readonly PlanStep[]; label: string }) {
  return (
    <ol aria-label={label} className="space-y-2">
      {steps.map((step, index) => (
        <li
          key={index}
          className={cn(
            'rounded-md border px-3 py-2 text-sm',
            step.destructive
              ? 'border-red-300 bg-red-50 dark:border-red-800 dark:bg-red-950'
              : 'border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900',
          )}
        >
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-mono text-xs font-semibold">{step.action}</span>
            <span className="font-mono text-xs text-zinc-600 dark:text-zinc-400">
              {step.resource}
              {step.field ? `.${step.field}` : ''}
              {step.index ? ` (${step.index})` : ''}
            </span>
            {step.destructive ? (
              <span className="rounded-full bg-red-600 px-2 py-0.5 text-xs font-medium text-white">Destructive</span>
            ) : null}
          </div>
          <p className="mt-1">{step.detail}</p>
          {step.sql.length > 0 ? (
            <details className="mt-1">
              <summary className="cursor-pointer text-xs text-zinc-600 dark:text-zinc-400">SQL ({step.sql.length})</summary>
              <pre className="mt-1 overflow-x-auto rounded bg-zinc-950 p-2 font-mono text-xs text-zinc-100">{step.sql.join(';\n')}</pre>
            </details>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

/** The reply of a check (dry run) or an apply: each resource's fate, and the steps. */
export function MigrationPlan({ reply }: { reply: ApplySchemaReply }) {
  const destructive = reply.plan.filter((s) => s.destructive).length;
  return (
    <section aria-labelledby="plan-title" className="space-y-3">
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <h3 id="plan-title" className="text-base font-semibold">
          {reply.dry_run ? 'Migration plan' : 'Applied'}
        </h3>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {reply.plan.length === 0
            ? 'Nothing to change.'
            : `${plural(reply.plan.length, 'step')}, ${destructive === 0 ? 'none destructive' : `${destructive} destructive`}.`}
        </p>
      </div>
      <ul aria-label="Resources in the config" className="flex flex-wrap gap-2 text-sm">
        {reply.resources.map((r) => (
          <li key={r.name} className="rounded-full bg-zinc-200 px-2.5 py-0.5 dark:bg-zinc-800">
            <span className="font-mono">{r.name}</span>: {STATUS_WORDS[r.status]}, version {r.version}
            {reply.dry_run && r.status !== 'unchanged' ? ' once applied' : ''}
          </li>
        ))}
      </ul>
      {reply.plan.length > 0 ? <PlanSteps steps={reply.plan} label={reply.dry_run ? 'Planned steps' : 'Applied steps'} /> : null}
    </section>
  );
}
