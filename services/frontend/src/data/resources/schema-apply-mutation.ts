import type { ApplySchemaReply } from '@dbforge/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { databaseKeys } from '../databases/keys';
import { gatewayFetch, seg } from '../fetcher';

export type { ApplySchemaReply };
export type PlanStep = ApplySchemaReply['plan'][number];

export interface ApplySchemaVariables {
  database: string;
  yaml: string;
  /** Plan only: nothing is applied. */
  dryRun?: boolean;
  /** Also run destructive steps (table rebuilds, dropped join tables); without it the gateway answers 409. */
  allowDestructive?: boolean;
}

/** PUT /api/db/{name}/schema with the YAML as application/yaml. */
export function applySchema({ database, yaml, dryRun = false, allowDestructive = false }: ApplySchemaVariables): Promise<ApplySchemaReply> {
  return gatewayFetch<ApplySchemaReply>(`/api/db/${seg(database)}/schema`, {
    method: 'PUT',
    text: { content: yaml, contentType: 'application/yaml' },
    query: { dry_run: dryRun || undefined, allow_destructive: allowDestructive || undefined },
  });
}

/** The destructive steps a 409 to an apply lists (`details.destructive_steps`). */
export function destructiveStepsOf(details: unknown): PlanStep[] {
  if (typeof details !== 'object' || details === null) return [];
  const steps = (details as { destructive_steps?: unknown }).destructive_steps;
  return Array.isArray(steps) ? (steps as PlanStep[]) : [];
}

/**
 * Checks (dry run) or applies a config. An apply changes tables, records and resources of the database, so
 * everything cached about it is refreshed.
 */
export function useSchemaApplyMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: applySchema,
    onSuccess: async (reply, { database }) => {
      if (reply.dry_run) return;
      await queryClient.invalidateQueries({ queryKey: databaseKeys.detail(database) });
    },
  });
}
