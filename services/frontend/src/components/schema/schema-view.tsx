'use client';

import type { TableDetail, TableSummary } from '@dbforge/contracts';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { QueryView } from '@/components/ui/query-view';
import { EmptyState } from '@/components/ui/states';
import { useTableQueries, useTableQuery } from '@/data/tables/table-query';
import { useTablesQuery } from '@/data/tables/tables-query';
import { formatCount } from '@/lib/format';
import { cn } from '@/lib/cn';

const cellClass = 'px-3 py-1.5';

/** Tables and views with their columns, indexes, foreign keys and row counts, from the introspection API. */
export function SchemaView({ database }: { database: string }) {
  const tables = useTablesQuery(database);
  const selected = useSearchParams().get('table') ?? undefined;
  const names = tables.data?.tables.map((t) => t.name) ?? [];
  const details = useTableQueries(database, names);

  return (
    <QueryView
      query={tables}
      loadingLabel="Loading tables…"
      errorTitle="The tables could not be loaded."
      empty={
        <EmptyState title="No tables yet">
          Create one in the{' '}
          <Link className="underline" href={`/databases/${encodeURIComponent(database)}/sql`}>
            SQL editor
          </Link>
          .
        </EmptyState>
      }
      isEmpty={(list) => list.tables.length === 0}
    >
      {(list) => (
        <SchemaBrowser
          database={database}
          tables={list.tables}
          rowCounts={details.map((detail) => detail.data?.row_count)}
          selected={selected}
        />
      )}
    </QueryView>
  );
}

/** The tables in a list with their row counts (in the order of `tables`), beside the selected one (else the first). */
function SchemaBrowser({
  database,
  tables,
  rowCounts,
  selected,
}: {
  database: string;
  tables: TableSummary[];
  rowCounts: (number | undefined)[];
  selected: string | undefined;
}) {
  const current = tables.find((t) => t.name === selected) ?? tables[0]!;

  return (
    <div className="grid gap-4 lg:grid-cols-[16rem_minmax(0,1fr)]">
      <nav aria-label="Tables" className="self-start rounded-md border border-zinc-200 bg-white p-2 dark:border-zinc-800 dark:bg-zinc-900">
        <ul className="space-y-0.5">
          {tables.map((table, index) => {
            const rowCount = rowCounts[index];
            const active = table.name === current.name;
            return (
              <li key={table.name}>
                <Link
                  href={`?table=${encodeURIComponent(table.name)}`}
                  aria-current={active ? 'page' : undefined}
                  className={cn(
                    'flex items-center justify-between gap-2 rounded px-2 py-1 text-sm',
                    active ? 'bg-zinc-200 font-medium dark:bg-zinc-800' : 'hover:bg-zinc-100 dark:hover:bg-zinc-800',
                  )}
                >
                  <span className="truncate font-mono">{table.name}</span>
                  <span className="shrink-0 text-xs text-zinc-600 tabular-nums dark:text-zinc-400">
                    {table.type === 'view' ? 'view' : rowCount === undefined ? '…' : `${formatCount(rowCount)} rows`}
                  </span>
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <TablePanel database={database} table={current} />
    </div>
  );
}

function TablePanel({ database, table }: { database: string; table: TableSummary }) {
  const detail = useTableQuery(database, table.name);
  return (
    <section aria-labelledby="table-title" className="min-w-0 space-y-6">
      <div className="flex flex-wrap items-baseline gap-3">
        <h2 id="table-title" className="font-mono text-xl font-semibold">
          {table.name}
        </h2>
        <span className="text-sm text-zinc-500 dark:text-zinc-400">
          {table.type}
          {detail.data ? ` · ${formatCount(detail.data.row_count)} rows` : ''}
        </span>
      </div>
      <ColumnsTable table={table} />
      <QueryView query={detail} loadingLabel="Loading indexes…" errorTitle="The table's details could not be loaded.">
        {(loaded) => <Relations detail={loaded} />}
      </QueryView>
    </section>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="space-y-2">
      <h3 className="text-sm font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-400">{title}</h3>
      {children}
    </div>
  );
}

function ColumnsTable({ table }: { table: TableSummary }) {
  return (
    <Section title="Columns">
      <div className="overflow-x-auto rounded-md border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Columns of {table.name}</caption>
          <thead className="border-b border-zinc-200 text-xs text-zinc-500 dark:border-zinc-800 dark:text-zinc-400">
            <tr>
              <th scope="col" className={cellClass}>Name</th>
              <th scope="col" className={cellClass}>Type</th>
              <th scope="col" className={cellClass}>Nullable</th>
              <th scope="col" className={cellClass}>Default</th>
              <th scope="col" className={cellClass}>Primary key</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {table.columns.map((column) => (
              <tr key={column.name}>
                <th scope="row" className={cn(cellClass, 'font-mono font-medium')}>{column.name}</th>
                <td className={cn(cellClass, 'font-mono text-xs')}>{column.type || '—'}</td>
                <td className={cellClass}>{column.not_null ? 'no' : 'yes'}</td>
                <td className={cn(cellClass, 'font-mono text-xs')}>{column.default ?? '—'}</td>
                <td className={cellClass}>{column.primary_key ? 'yes' : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function Relations({ detail }: { detail: TableDetail }) {
  return (
    <>
      <Section title="Indexes">
        {detail.indexes.length === 0 ? (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">No indexes.</p>
        ) : (
          <ul className="space-y-1 text-sm">
            {detail.indexes.map((index) => (
              <li key={index.name} className="font-mono">
                {index.name} <span className="text-zinc-500">({index.columns.join(', ')})</span>
                {index.unique ? <span className="ml-2 rounded bg-zinc-200 px-1 text-xs dark:bg-zinc-800">unique</span> : null}
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title="Foreign keys">
        {detail.foreign_keys.length === 0 ? (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">No foreign keys.</p>
        ) : (
          <ul className="space-y-1 font-mono text-sm">
            {detail.foreign_keys.map((fk, i) => (
              <li key={i}>
                ({fk.columns.join(', ')}) → {fk.references_table} ({fk.references_columns.join(', ')})
              </li>
            ))}
          </ul>
        )}
      </Section>
    </>
  );
}
