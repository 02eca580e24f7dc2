import type { PutWebhookBody, PutWebhookReply, WebhookInfo, WebhookListReply } from '@dbforge/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { gatewayFetch, gatewayRequest, seg } from '../fetcher';
import { resourceKeys } from '../resources/keys';
import { webhookKeys } from './keys';

export type { WebhookInfo };

/** The database's webhooks, never their secrets (GET /admin/databases/{name}/webhooks). */
export async function getWebhooks(database: string, signal?: AbortSignal): Promise<WebhookInfo[]> {
  const reply = await gatewayFetch<WebhookListReply>(`/admin/databases/${seg(database)}/webhooks`, signal ? { signal } : {});
  return reply.webhooks;
}

export function useWebhooksQuery(database: string, { enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ queryKey: webhookKeys.list(database), queryFn: ({ signal }) => getWebhooks(database, signal), enabled });
}

export interface PutWebhookVariables {
  database: string;
  hook: string;
  webhook: PutWebhookBody;
}

export interface PutWebhookResult {
  webhook: PutWebhookReply;
  /** True for a new webhook (201), false when it replaced one (200). */
  created: boolean;
}

/**
 * Sets a hook's webhook. Without a secret the gateway generates one and answers it this once: it stays in the
 * mutation's state (which the dialog clears when it closes), never in the query cache.
 */
export async function putWebhook({ database, hook, webhook }: PutWebhookVariables): Promise<PutWebhookResult> {
  const reply = await gatewayRequest<PutWebhookReply>(`/admin/databases/${seg(database)}/webhooks/${seg(hook)}`, { method: 'PUT', body: webhook });
  return { webhook: reply.body, created: reply.status === 201 };
}

export async function deleteWebhook({ database, hook }: { database: string; hook: string }): Promise<void> {
  await gatewayFetch(`/admin/databases/${seg(database)}/webhooks/${seg(hook)}`, { method: 'DELETE' });
}

/** A webhook changes the list and the schema's warnings (a hook without a webhook is reported there). */
function useRefreshWebhooks() {
  const queryClient = useQueryClient();
  return async (database: string) => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: webhookKeys.list(database) }),
      queryClient.invalidateQueries({ queryKey: resourceKeys.schema(database) }),
    ]);
  };
}

export function useWebhookPutMutation() {
  const refresh = useRefreshWebhooks();
  return useMutation({ mutationFn: putWebhook, gcTime: 0, onSuccess: (_result, { database }) => refresh(database) });
}

export function useWebhookDeleteMutation() {
  const refresh = useRefreshWebhooks();
  return useMutation({ mutationFn: deleteWebhook, onSuccess: (_result, { database }) => refresh(database) });
}
