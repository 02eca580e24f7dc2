import type { PruneReply } from '@dbforge/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { gatewayFetch, seg } from '../fetcher';
import { databaseKeys } from './keys';

export function pruneDatabase(name: string): Promise<PruneReply> {
  return gatewayFetch<PruneReply>(`/admin/databases/prune/${seg(name)}`, { method: 'POST' });
}

export function useDatabasePruneMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: pruneDatabase,
    onSuccess: async (_reply, name) => {
      // Removed, not invalidated: refetching a pruned database's details would only answer 404.
      queryClient.removeQueries({ queryKey: databaseKeys.detail(name) });
      await queryClient.invalidateQueries({ queryKey: databaseKeys.list() });
    },
  });
}
