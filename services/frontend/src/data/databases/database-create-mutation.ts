import type { SpawnBody, SpawnReply } from '@dbforge/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { gatewayRequest, seg } from '../fetcher';
import { databaseKeys } from './keys';

export interface CreateDatabaseVariables {
  name: string;
  options: SpawnBody;
}

export interface CreateDatabaseResult extends SpawnReply {
  /** False when the gateway answered that the database already existed (200 rather than 201). */
  created: boolean;
}

export async function createDatabase({ name, options }: CreateDatabaseVariables): Promise<CreateDatabaseResult> {
  const reply = await gatewayRequest<SpawnReply>(`/admin/databases/spawn/${seg(name)}`, { method: 'POST', body: options ?? {} });
  return { ...reply.body, created: reply.status === 201 };
}

export function useDatabaseCreateMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createDatabase,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: databaseKeys.list() }),
  });
}
