import { databaseKeys } from '../databases/keys';

/** The event log belongs to its database: [...database, 'events', 'list', filters]. */
export const eventKeys = {
  all: (database: string) => [...databaseKeys.detail(database), 'events'] as const,
  list: (database: string, filters: EventFilters) => [...eventKeys.all(database), 'list', filters] as const,
};

/** The event log's filters, as the API takes them (empty strings are left out). */
export interface EventFilters {
  /** A resource or table name. */
  resource?: string;
  /** A record's key (with `resource`). */
  record?: string;
  /** ISO 8601; inclusive. */
  since?: string;
  until?: string;
}
