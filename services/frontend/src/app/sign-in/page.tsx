import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SignInForm, type SignInMethod } from '@/components/session/sign-in-form';
import { currentSignedInAs } from '@/server/session';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await currentSignedInAs()) redirect('/databases');
  // /sign-in?method=api-key opens the API key tab, for links and scripts that sign in with a key.
  const method: SignInMethod = (await searchParams).method === 'api-key' ? 'key' : 'password';
  return (
    <main id="main" className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm rounded-xl border border-zinc-200 bg-white p-8 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
        <h1 className="text-2xl font-semibold">DB-Forge</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Sign in to the admin console.</p>
        <SignInForm initialMethod={method} />
      </div>
    </main>
  );
}
