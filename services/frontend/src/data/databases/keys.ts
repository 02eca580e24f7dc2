/**
 * Query keys of the admin API, from the general to the particular, so that invalidating `all` refreshes every
 * database query and `detail(name)` everything about one database (its tables included, see tables/keys.ts).
 */
export const databaseKeys = {
  all: ['databases'] as const,
  list: () => [...databaseKeys.all, 'list'] as const,
  detail: (name: string) => [...databaseKeys.all, 'detail', name] as const,
  logs: (name: string, tail: number) => [...databaseKeys.detail(name), 'logs', tail] as const,
};
