'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import { ThemeSelect } from '@/components/theme-select';
import { Button } from '@/components/ui/button';
import { signOut } from '@/data/session/session';
import { forgetAllHistory } from '@/data/sql/local-queries';
import { cn } from '@/lib/cn';
import type { SignedInAs } from '@/lib/signed-in-as';

const NAV = [
  { href: '/databases', label: 'Databases' },
  { href: '/monitor', label: 'Monitor' },
  { href: '/tenants', label: 'Tenants' },
] as const;

export function ConsoleShell({ children, signedInAs }: { children: ReactNode; signedInAs: SignedInAs }) {
  const pathname = usePathname();
  const [signingOut, setSigningOut] = useState(false);

  async function onSignOut() {
    setSigningOut(true);
    await signOut().catch(() => undefined);
    forgetAllHistory();
    window.location.assign('/sign-in');
  }

  return (
    <div className="flex min-h-screen flex-col">
      <a
        href="#main"
        className="sr-only rounded bg-indigo-600 px-3 py-2 text-white focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50"
      >
        Skip to content
      </a>
      <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link href="/databases" className="text-lg font-semibold tracking-tight">
            DB-Forge
          </Link>
          <nav aria-label="Main">
            <ul className="flex gap-1">
              {NAV.map((item) => {
                const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
                return (
                  <li key={item.href}>
                    <Link
                      href={item.href}
                      aria-current={active ? 'page' : undefined}
                      className={cn(
                        'rounded-md px-3 py-1.5 text-sm font-medium',
                        active
                          ? 'bg-zinc-200 text-zinc-900 dark:bg-zinc-800 dark:text-zinc-50'
                          : 'text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800',
                      )}
                    >
                      {item.label}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </nav>
          <div className="ml-auto flex items-center gap-3">
            <p className="max-w-64 truncate text-sm text-zinc-600 dark:text-zinc-400" title={signedInAs.kind === 'user' ? signedInAs.email : undefined}>
              {signedInAs.kind === 'user' ? (
                <>
                  Signed in as <span className="font-medium text-zinc-900 dark:text-zinc-100">{signedInAs.email}</span>
                </>
              ) : (
                <>
                  Signed in with an <span className="font-medium text-zinc-900 dark:text-zinc-100">API key</span>
                </>
              )}
            </p>
            <ThemeSelect />
            <Button onClick={onSignOut} disabled={signingOut}>
              Sign out
            </Button>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto w-full max-w-7xl flex-1 px-4 py-6">
        {children}
      </main>
    </div>
  );
}
