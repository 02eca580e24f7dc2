import Link from 'next/link';

export default function NotFound() {
  return (
    <main id="main" className="mx-auto max-w-xl px-4 py-24 text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">There is no page at this address.</p>
      <Link href="/databases" className="mt-6 inline-block text-indigo-700 underline dark:text-indigo-300">
        Back to the databases
      </Link>
    </main>
  );
}
