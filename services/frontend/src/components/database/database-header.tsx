'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { StatusBadge } from '@/components/ui/status-badge';
import { useDatabaseQuery } from '@/data/databases/database-query';
import { isApiError } from '@/data/fetcher';
import { formatBytes } from '@/lib/format';
import { cn } from '@/lib/cn';

const TABS = [
  { segment: 'sql', label: 'SQL' },
  { segment: 'schema', label: 'Schema' },
  { segment: 'resources', label: 'Resources' },
  { segment: 'events', label: 'Events' },
  { segment: 'settings', label: 'Settings' },
] as const;

export function DatabaseHeader({ name }: { name: string }) {
  const pathname = usePathname();
  const info = useDatabaseQuery(name);
  const base = `/databases/${encodeURIComponent(name)}`;
  const missing = isApiError(info.error) && info.error.status === 404;

  return (
    <div className="mb-6 space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <Link href="/databases" className="text-sm text-zinc-500 hover:underline dark:text-zinc-400">
          Databases
        </Link>
        <span aria-hidden="true" className="text-zinc-400">/</span>
        <h1 className="font-mono text-2xl font-semibold tracking-tight">{name}</h1>
        {info.data ? (
          <>
            <StatusBadge status={info.data.status} />
            <span className="text-sm text-zinc-600 dark:text-zinc-400">
              {info.data.engine} · {formatBytes(info.data.size_bytes)}
            </span>
          </>
        ) : null}
      </div>
      {missing ? (
        <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
          The gateway has no database named {name}. It may have been pruned.{' '}
          <Link href="/databases" className="underline">
            Back to the databases
          </Link>
        </div>
      ) : null}
      <nav aria-label="Database">
        <ul className="flex gap-1 border-b border-zinc-200 dark:border-zinc-800">
          {TABS.map((tab) => {
            const href = `${base}/${tab.segment}`;
            const active = pathname === href;
            return (
              <li key={tab.segment}>
                <Link
                  href={href}
                  aria-current={active ? 'page' : undefined}
                  className={cn(
                    '-mb-px inline-block border-b-2 px-3 py-2 text-sm font-medium',
                    active
                      ? 'border-indigo-600 text-zinc-900 dark:border-indigo-400 dark:text-zinc-50'
                      : 'border-transparent text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100',
                  )}
                >
                  {tab.label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
    </div>
  );
}
