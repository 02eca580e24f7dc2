import type { WorkerState } from '@dbforge/contracts';
import { cn } from '@/lib/cn';

const TONES: Record<WorkerState, string> = {
  running: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900/60 dark:text-emerald-100',
  starting: 'bg-sky-100 text-sky-900 dark:bg-sky-900/60 dark:text-sky-100',
  restarting: 'bg-amber-100 text-amber-900 dark:bg-amber-900/60 dark:text-amber-100',
  stopping: 'bg-amber-100 text-amber-900 dark:bg-amber-900/60 dark:text-amber-100',
  stopped: 'bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200',
  failed: 'bg-red-100 text-red-900 dark:bg-red-900/60 dark:text-red-100',
};

export function StatusBadge({ status }: { status: WorkerState }) {
  return (
    <span className={cn('inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium', TONES[status] ?? TONES.stopped)}>
      <span aria-hidden="true" className="size-1.5 rounded-full bg-current" />
      {status}
    </span>
  );
}
