import type { SchemaReply } from '@dbforge/contracts';
import { useQuery } from '@tanstack/react-query';
import type { ResourceDefinition } from '@/lib/resource-model';
import { gatewayFetch, seg } from '../fetcher';
import { resourceKeys } from './keys';

/** A resource as the schema reply has it, with its definition typed for the console. */
export type ResourceSchema = Omit<SchemaReply['resources'][number], 'definition'> & { definition: ResourceDefinition };
export type DatabaseSchema = Omit<SchemaReply, 'resources'> & { resources: ResourceSchema[] };

/** The database's resources: definitions, YAML, version history and warnings (GET /api/db/{name}/schema). */
export function getSchema(database: string, signal?: AbortSignal): Promise<DatabaseSchema> {
  return gatewayFetch<DatabaseSchema>(`/api/db/${seg(database)}/schema`, signal ? { signal } : {});
}

export function useSchemaQuery(database: string, { enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ queryKey: resourceKeys.schema(database), queryFn: ({ signal }) => getSchema(database, signal), enabled });
}

/** The resources' YAML as one file, one document per resource, for the editor. */
export function schemaYaml(schema: Pick<DatabaseSchema, 'resources'>): string {
  return schema.resources
    .map((r) => r.yaml.replace(/^---[^\n]*\n/, '').replace(/\s+$/, ''))
    .filter((text) => text !== '')
    .join('\n---\n')
    .concat(schema.resources.length > 0 ? '\n' : '');
}
