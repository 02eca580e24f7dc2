import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ErrorState, LoadingState } from './states';

function isEmptyList(data: unknown): boolean {
  return Array.isArray(data) && data.length === 0;
}

/**
 * A query's data, or why it can't be shown: the loading state, the error of a first load that failed (with its message
 * and a retry), or `empty` when there is nothing in it. A failed refresh keeps what was loaded on screen and says so
 * above it (lists refresh every few seconds: a moment's gateway trouble must not blank them).
 */
export function QueryView<T>({
  query,
  loadingLabel,
  errorTitle,
  empty,
  isEmpty = isEmptyList,
  children,
}: {
  query: UseQueryResult<T>;
  /** Said while the query loads ("Loading members…"). */
  loadingLabel: string;
  /** Above the error's message ("The members could not be loaded."). */
  errorTitle: string;
  /** Shown instead of `children` when `isEmpty`; without it, the data is always rendered. */
  empty?: ReactNode;
  /** Whether there is nothing to show; by default, whether the data is an empty list. */
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <LoadingState label={loadingLabel} />;
  const retry = () => void query.refetch();
  if (query.data === undefined) return <ErrorState title={errorTitle} error={query.error} onRetry={retry} />;
  const shown = empty !== undefined && isEmpty(query.data) ? empty : children(query.data);
  if (!query.isError) return shown;
  return (
    <>
      <ErrorState title="This could not be refreshed: it is shown as last loaded." error={query.error} onRetry={retry} />
      {shown}
    </>
  );
}
