import { databaseKeys } from '../databases/keys';

/** A database's webhooks: [...database, 'webhooks']. */
export const webhookKeys = {
  list: (database: string) => [...databaseKeys.detail(database), 'webhooks'] as const,
};
