import type { TableDetail } from '@dbforge/contracts';
import { useQueries, useQuery } from '@tanstack/react-query';
import { gatewayFetch, seg } from '../fetcher';
import { tableKeys } from './keys';

export function getTable(database: string, table: string, signal?: AbortSignal): Promise<TableDetail> {
  return gatewayFetch<TableDetail>(`/api/db/${seg(database)}/tables/${seg(table)}`, signal ? { signal } : {});
}

function tableQuery(database: string, table: string) {
  return {
    queryKey: tableKeys.detail(database, table),
    queryFn: ({ signal }: { signal: AbortSignal }) => getTable(database, table, signal),
  };
}

export function useTableQuery(database: string, table: string | undefined) {
  return useQuery({ ...tableQuery(database, table ?? ''), enabled: table !== undefined });
}

/** The details of several tables at once, for the row counts of the schema overview. */
export function useTableQueries(database: string, tables: readonly string[]) {
  return useQueries({ queries: tables.map((table) => tableQuery(database, table)) });
}
