'use client';

import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useDatabaseAccess } from '@/components/database/use-database-access';
import { Card } from '@/components/ui/card';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { useSchemaQuery } from '@/data/resources/schema-query';
import { cn } from '@/lib/cn';
import { formatDateTime } from '@/lib/format';
import { RecordBrowser } from './record-browser';
import { SchemaEditor } from './schema-editor';

/** The database's resources: their YAML (checked and applied here), and each one's records. */
export function ResourcesView({ database }: { database: string }) {
  const schema = useSchemaQuery(database);
  const access = useDatabaseAccess(database);
  const selected = useSearchParams().get('resource') ?? undefined;
  const canWrite = access.allowed('write');

  if (schema.isPending) return <LoadingState label="Loading resources…" />;
  // Only a first load that failed replaces the page: a failed refresh keeps the editor, and the text being written.
  if (schema.data === undefined) {
    return <ErrorState title="The resources could not be loaded." error={schema.error} onRetry={() => void schema.refetch()} />;
  }
  const resources = schema.data.resources;
  const current = resources.find((r) => r.name === selected) ?? resources[0];

  return (
    <div className="space-y-6">
      {schema.isError ? (
        <ErrorState title="The resources could not be refreshed: they are shown as last loaded." error={schema.error} onRetry={() => void schema.refetch()} />
      ) : null}
      <Card title="Definition" id="definition-title">
        <SchemaEditor database={database} schema={schema.data} canWrite={canWrite} />
      </Card>
      <Card title="Records" id="records-title">
        {current === undefined ? (
          <EmptyState title="No resources yet">
            Write one in the editor above (or insert the example), check it, and apply it: its records appear here.
          </EmptyState>
        ) : (
          <div className="grid gap-4 lg:grid-cols-[12rem_minmax(0,1fr)]">
            <nav aria-label="Resources" className="self-start">
              <ul className="space-y-0.5">
                {resources.map((resource) => {
                  const active = resource.name === current.name;
                  return (
                    <li key={resource.name}>
                      <Link
                        href={`?resource=${encodeURIComponent(resource.name)}`}
                        aria-current={active ? 'page' : undefined}
                        className={cn(
                          'flex items-center justify-between gap-2 rounded px-2 py-1 text-sm',
                          active ? 'bg-zinc-200 font-medium dark:bg-zinc-800' : 'hover:bg-zinc-100 dark:hover:bg-zinc-800',
                        )}
                        title={`Version ${resource.version}, applied ${formatDateTime(resource.updated_at)}`}
                      >
                        <span className="truncate font-mono">{resource.name}</span>
                        <span className="shrink-0 text-xs text-zinc-600 tabular-nums dark:text-zinc-400">v{resource.version}</span>
                      </Link>
                    </li>
                  );
                })}
              </ul>
            </nav>
            <section aria-label={`Records of ${current.name}`} className="min-w-0">
              <RecordBrowser key={current.name} database={database} resource={current} resources={resources} canWrite={canWrite} />
            </section>
          </div>
        )}
      </Card>
    </div>
  );
}
