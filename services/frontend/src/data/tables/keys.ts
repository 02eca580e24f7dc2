import { databaseKeys } from '../databases/keys';

/** Tables belong to their database: invalidating `databaseKeys.detail(name)` refreshes them too. */
export const tableKeys = {
  list: (database: string) => [...databaseKeys.detail(database), 'tables'] as const,
  detail: (database: string, table: string) => [...tableKeys.list(database), table] as const,
};
