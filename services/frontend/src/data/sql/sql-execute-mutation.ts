import type { QueryExecReply, QueryReply, QueryRowsReply } from '@dbforge/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { databaseKeys } from '../databases/keys';
import { gatewayFetch, seg } from '../fetcher';
import { tableKeys } from '../tables/keys';

export type { QueryExecReply, QueryReply, QueryRowsReply };

export function isRowsReply(reply: QueryReply): reply is QueryRowsReply {
  return Array.isArray((reply as QueryRowsReply).data);
}

export interface ExecuteSqlVariables {
  database: string;
  sql: string;
}

export function executeSql({ database, sql }: ExecuteSqlVariables): Promise<QueryReply> {
  return gatewayFetch<QueryReply>(`/api/db/${seg(database)}/query`, { method: 'POST', body: { sql } });
}

export function useSqlExecuteMutation(database: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: [...databaseKeys.detail(database), 'query'],
    mutationFn: (sql: string) => executeSql({ database, sql }),
    onSuccess: async (reply) => {
      // A statement that returns no rows may have changed the schema or the size: refresh what shows them.
      if (!isRowsReply(reply)) {
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: tableKeys.list(database) }),
          queryClient.invalidateQueries({ queryKey: databaseKeys.detail(database), exact: true }),
        ]);
      }
    },
  });
}
