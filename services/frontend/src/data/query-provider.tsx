'use client';

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { isApiError } from './fetcher';

/** Retries only what may pass on a second try: network trouble and 5xx, never a refusal. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (isApiError(error) && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

export interface QueryClientOptions {
  /** Called when the console's session is gone (401): the page sends the user to sign in. */
  onUnauthorized?: () => void;
}

export function makeQueryClient({ onUnauthorized }: QueryClientOptions = {}): QueryClient {
  const handle = (error: unknown) => {
    if (isApiError(error) && error.status === 401) onUnauthorized?.();
  };
  return new QueryClient({
    queryCache: new QueryCache({ onError: handle }),
    mutationCache: new MutationCache({ onError: handle }),
    defaultOptions: {
      queries: { staleTime: 2_000, retry: shouldRetry },
      mutations: { retry: false },
    },
  });
}

function toSignIn(): void {
  // A full navigation: it drops every cached reply along with the page.
  window.location.assign('/sign-in');
}

export function QueryProvider({ children }: { children: ReactNode }) {
  const [client] = useState(() => makeQueryClient({ onUnauthorized: toSignIn }));
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
