import type { DatabaseInfo, DatabaseSettings } from '@dbforge/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { gatewayFetch, seg } from '../fetcher';
import { databaseKeys } from './keys';

export interface UpdateSettingsVariables {
  name: string;
  settings: DatabaseSettings;
}

export function updateDatabaseSettings({ name, settings }: UpdateSettingsVariables): Promise<DatabaseInfo> {
  return gatewayFetch<DatabaseInfo>(`/admin/databases/${seg(name)}`, { method: 'PATCH', body: settings });
}

export function useDatabaseSettingsUpdateMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateDatabaseSettings,
    onSuccess: async (info) => {
      queryClient.setQueryData(databaseKeys.detail(info.name), info);
      await queryClient.invalidateQueries({ queryKey: databaseKeys.list() });
    },
  });
}
