import { databaseKeys } from '../databases/keys';

/**
 * Resources belong to their database, so invalidating `databaseKeys.detail(name)` refreshes them too:
 * [...database, 'schema'] for the definitions, [...database, 'resources', resource, 'list', params] for records.
 */
export const resourceKeys = {
  schema: (database: string) => [...databaseKeys.detail(database), 'schema'] as const,
  all: (database: string) => [...databaseKeys.detail(database), 'resources'] as const,
  records: (database: string, resource: string) => [...resourceKeys.all(database), resource] as const,
  list: (database: string, resource: string, params: Record<string, string>) => [...resourceKeys.records(database, resource), 'list', params] as const,
};
