import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { ConsoleShell } from '@/components/shell/console-shell';
import { QueryProvider } from '@/data/query-provider';
import { currentSignedInAs } from '@/server/session';

export const dynamic = 'force-dynamic';

/** Every console page needs a session; without one the visitor is sent to sign in before anything renders. */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const signedInAs = await currentSignedInAs();
  if (!signedInAs) redirect('/sign-in');
  return (
    <QueryProvider>
      <ConsoleShell signedInAs={signedInAs}>{children}</ConsoleShell>
    </QueryProvider>
  );
}
