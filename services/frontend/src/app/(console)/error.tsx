'use client';

import { ErrorState } from '@/components/ui/states';

/** What a console page shows when it throws while rendering, instead of a blank screen. */
export default function ConsoleError({ error, reset }: { error: Error; reset: () => void }) {
  return <ErrorState title="This page failed to render." error={error} onRetry={reset} />;
}
