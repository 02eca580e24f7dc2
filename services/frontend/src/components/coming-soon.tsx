import type { ReactNode } from 'react';

/** A page whose API does not exist yet: it says so plainly and shows no made-up data. */
export function ComingSoon({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-labelledby="coming-soon-title" className="rounded-lg border border-dashed border-zinc-300 p-8 dark:border-zinc-700">
      <h2 id="coming-soon-title" className="text-lg font-semibold">
        {title}
      </h2>
      <div className="mt-2 max-w-prose space-y-2 text-sm text-zinc-600 dark:text-zinc-400">{children}</div>
    </section>
  );
}
