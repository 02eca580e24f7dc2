'use client';

import Link from 'next/link';
import { useId, useMemo, useState } from 'react';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Dialog, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { useRecordDeleteMutation, useRecordsQuery, type ResourceRecord } from '@/data/resources/records';
import type { ResourceSchema } from '@/data/resources/schema-query';
import { cn } from '@/lib/cn';
import { formatCount, formatDateTime } from '@/lib/format';
import {
  browserConfig,
  displayValue,
  filterControl,
  isSortable,
  listParams,
  type BrowserQuery,
  type FieldDefinition,
} from '@/lib/resource-model';
import { useDebouncedValue } from '@/lib/use-debounced-value';
import { RecordForm } from './record-form';

const cell = 'px-3 py-1.5';

/**
 * The records of one resource, driven by its `interface` keys: the columns of `list_display`, a search box for
 * `search_fields`, a control per field of `filters`, pages of `per_page` (keyset pages: the API's cursor). Columns
 * sort on a click. Records are created and edited in forms generated from the fields, and deleted behind a
 * confirmation.
 */
export function RecordBrowser({
  database,
  resource,
  resources,
  canWrite,
}: {
  database: string;
  resource: ResourceSchema;
  resources: readonly ResourceSchema[];
  canWrite: boolean;
}) {
  const definition = resource.definition;
  const config = useMemo(() => browserConfig(definition), [definition]);
  const fields = useMemo(() => new Map(definition.fields.map((f) => [f.name, f])), [definition]);
  const [search, setSearch] = useState('');
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [sort, setSort] = useState<BrowserQuery['sort']>(null);
  const [notice, setNotice] = useState('');
  const settledSearch = useDebouncedValue(search);
  const query: BrowserQuery = { search: settledSearch, filters, sort };
  const baseParams = listParams(config, query);
  const queryKey = JSON.stringify(baseParams);
  // Pages are cursors; a new search, filter or sort starts again from the first page.
  const [paging, setPaging] = useState<{ key: string; cursors: string[] }>({ key: queryKey, cursors: [] });
  const cursors = paging.key === queryKey ? paging.cursors : [];
  const cursor = cursors.at(-1);
  const params = cursor === undefined ? baseParams : { ...baseParams, cursor };
  const records = useRecordsQuery(database, resource.name, params);
  const searchId = useId();
  const filtered = Object.values(filters).some((v) => v.trim() !== '') || settledSearch.trim() !== '';
  const key = definition.primaryKey;
  const page = cursors.length;

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h3 className="font-mono text-base font-semibold">{resource.name}</h3>
          <p className="text-xs text-zinc-600 dark:text-zinc-400">
            Version {resource.version}
            {definition.description ? ` · ${definition.description}` : ''}
          </p>
        </div>
        {canWrite ? <RecordDialog database={database} resource={resource} resources={resources} onSaved={setNotice} /> : null}
      </div>
      {config.search || config.filters.length > 0 ? (
        <div className="flex flex-wrap items-start gap-3">
          {config.search ? (
            <div className="min-w-56 flex-1 space-y-1">
              <label htmlFor={searchId} className="block text-sm font-medium">
                Search
              </label>
              <input
                id={searchId}
                type="search"
                className="field-input"
                value={search}
                onChange={(event) => setSearch(event.target.value)}
                aria-describedby={`${searchId}-hint`}
              />
              <p id={`${searchId}-hint`} className="text-xs text-zinc-600 dark:text-zinc-400">
                In {config.searchedFields.join(', ')}
                {config.unsearchable.length > 0 ? ` (not in ${config.unsearchable.join(', ')}: mark them searchable to include them)` : ''}.
              </p>
            </div>
          ) : null}
          {config.filters.map((field) => (
            <FilterControl
              key={field.name}
              field={field}
              values={filters}
              onChange={(name, value) => setFilters((prev) => ({ ...prev, [name]: value }))}
            />
          ))}
        </div>
      ) : null}
      <p role="status" className="text-sm text-emerald-700 empty:hidden dark:text-emerald-400">
        {notice}
      </p>
      {records.isPending ? (
        <LoadingState label={`Loading ${resource.name}…`} />
      ) : records.isError ? (
        <ErrorState title={`The records of ${resource.name} could not be loaded.`} error={records.error} onRetry={() => void records.refetch()} />
      ) : records.data.data.length === 0 && page === 0 ? (
        <EmptyState title={filtered ? 'No records match.' : `No ${resource.name} records yet`}>
          {filtered ? 'Change the search or the filters.' : canWrite ? 'Create one with “New record”.' : null}
        </EmptyState>
      ) : (
        <>
          <div className={cn('overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900', records.isPlaceholderData && 'opacity-60')}>
            <table className="w-full text-left text-sm" aria-busy={records.isFetching || undefined}>
              <caption className="sr-only">Records of {resource.name}</caption>
              <thead className="border-b border-zinc-200 text-xs text-zinc-500 dark:border-zinc-800 dark:text-zinc-400">
                <tr>
                  {config.columns.map((name) => (
                    <SortHeader key={name} field={fields.get(name)} name={name} sort={sort} onSort={setSort} />
                  ))}
                  <th scope="col" className={cell}>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
                {records.data.data.map((record) => {
                  const id = String(record[key]);
                  return (
                    <tr key={id}>
                      {config.columns.map((name, index) => (
                        <ValueCell key={name} field={fields.get(name)} value={record[name]} header={index === 0} />
                      ))}
                      <td className={cn(cell, 'text-right whitespace-nowrap')}>
                        <RowActions
                          database={database}
                          resource={resource}
                          resources={resources}
                          record={record}
                          id={id}
                          canWrite={canWrite}
                          onDone={setNotice}
                        />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <div className="flex flex-wrap items-center justify-between gap-3 text-sm text-zinc-600 dark:text-zinc-400">
            <p>
              {records.data.total !== undefined ? `${formatCount(records.data.total)} ${records.data.total === 1 ? 'record' : 'records'}` : ''}
              {page > 0 || records.data.has_more ? ` · page ${page + 1}` : ''}
            </p>
            <div className="flex gap-2">
              <Button size="sm" disabled={page === 0} onClick={() => setPaging({ key: queryKey, cursors: cursors.slice(0, -1) })}>
                Previous page
              </Button>
              <Button
                size="sm"
                disabled={!records.data.has_more || records.data.next_cursor === null || records.isPlaceholderData}
                onClick={() => setPaging({ key: queryKey, cursors: [...cursors, records.data.next_cursor!] })}
              >
                Next page
              </Button>
            </div>
          </div>
        </>
      )}
    </div>
  );
}

function SortHeader({
  field,
  name,
  sort,
  onSort,
}: {
  field: FieldDefinition | undefined;
  name: string;
  sort: BrowserQuery['sort'];
  onSort: (sort: BrowserQuery['sort']) => void;
}) {
  const active = sort?.field === name;
  const sortable = field !== undefined && isSortable(field);
  return (
    <th scope="col" className={cn(cell, 'font-medium')} aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : undefined}>
      {sortable ? (
        <button
          type="button"
          className="inline-flex items-center gap-1 font-mono hover:text-zinc-900 dark:hover:text-zinc-100"
          onClick={() => onSort(active && !sort.desc ? { field: name, desc: true } : active ? null : { field: name, desc: false })}
        >
          {name}
          <span aria-hidden="true">{active ? (sort.desc ? '↓' : '↑') : ''}</span>
          <span className="sr-only">{active ? (sort.desc ? ', sorted descending' : ', sorted ascending') : ', sort'}</span>
        </button>
      ) : (
        <span className="font-mono">{name}</span>
      )}
    </th>
  );
}

function ValueCell({ field, value, header }: { field: FieldDefinition | undefined; value: unknown; header: boolean }) {
  const Tag = header ? 'th' : 'td';
  const text = displayValue(field, value);
  return (
    <Tag {...(header ? { scope: 'row' } : {})} className={cn(cell, header ? 'font-medium' : '', 'max-w-72 truncate')} title={text.length > 40 ? text : undefined}>
      {value === null || value === undefined ? (
        <span className="text-zinc-600 dark:text-zinc-400">—</span>
      ) : field?.kind === 'timestamp' && typeof value === 'string' ? (
        <time dateTime={value}>{formatDateTime(value)}</time>
      ) : (
        text
      )}
    </Tag>
  );
}

function FilterControl({
  field,
  values,
  onChange,
}: {
  field: FieldDefinition;
  values: Record<string, string>;
  onChange: (key: string, value: string) => void;
}) {
  const id = useId();
  const control = filterControl(field);
  if (control === 'range') {
    const type = field.kind === 'timestamp' ? 'datetime-local' : field.kind === 'date' ? 'date' : 'text';
    return (
      <fieldset className="space-y-1">
        <legend className="text-sm font-medium">
          <span className="font-mono">{field.name}</span>
        </legend>
        <div className="flex items-center gap-1">
          <label htmlFor={`${id}-from`} className="sr-only">
            {field.name} from
          </label>
          <input
            id={`${id}-from`}
            type={type}
            inputMode={type === 'text' ? 'decimal' : undefined}
            placeholder="from"
            className="field-input w-36"
            value={values[`${field.name}:from`] ?? ''}
            onChange={(event) => onChange(`${field.name}:from`, event.target.value)}
          />
          <span aria-hidden="true">–</span>
          <label htmlFor={`${id}-to`} className="sr-only">
            {field.name} to
          </label>
          <input
            id={`${id}-to`}
            type={type}
            inputMode={type === 'text' ? 'decimal' : undefined}
            placeholder="to"
            className="field-input w-36"
            value={values[`${field.name}:to`] ?? ''}
            onChange={(event) => onChange(`${field.name}:to`, event.target.value)}
          />
        </div>
      </fieldset>
    );
  }
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block font-mono text-sm font-medium">
        {field.name}
      </label>
      {control === 'text' ? (
        <input id={id} className="field-input w-40" value={values[field.name] ?? ''} onChange={(event) => onChange(field.name, event.target.value)} />
      ) : (
        <select id={id} className="field-input w-40" value={values[field.name] ?? ''} onChange={(event) => onChange(field.name, event.target.value)}>
          <option value="">Any</option>
          {control === 'boolean' ? (
            <>
              <option value="true">Yes</option>
              <option value="false">No</option>
            </>
          ) : (
            (field.options ?? []).map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))
          )}
        </select>
      )}
    </div>
  );
}

/** "New record", or "Edit" of a row: a dialog with the generated form. */
function RecordDialog({
  database,
  resource,
  resources,
  record,
  id,
  onSaved,
}: {
  database: string;
  resource: ResourceSchema;
  resources: readonly ResourceSchema[];
  record?: ResourceRecord;
  id?: string;
  onSaved: (message: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const editing = record !== undefined;
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        {editing ? (
          <Button variant="ghost" size="sm" aria-label={`Edit record ${id}`}>
            Edit
          </Button>
        ) : (
          <Button variant="primary">New record</Button>
        )}
      </DialogTrigger>
      <DialogContent
        title={editing ? `Edit ${resource.name} ${id}` : `New ${resource.name} record`}
        description={editing ? 'Only the fields you change are sent.' : 'Fields left empty get their default.'}
      >
        {open ? (
          <RecordForm
            database={database}
            resource={resource}
            resources={resources}
            {...(record ? { record } : {})}
            onSaved={(saved) => {
              setOpen(false);
              const savedId = String(saved[resource.definition.primaryKey]);
              onSaved(editing ? `Record ${savedId} saved.` : `Record ${savedId} created.`);
            }}
          />
        ) : null}
      </DialogContent>
    </Dialog>
  );
}

function RowActions({
  database,
  resource,
  resources,
  record,
  id,
  canWrite,
  onDone,
}: {
  database: string;
  resource: ResourceSchema;
  resources: readonly ResourceSchema[];
  record: ResourceRecord;
  id: string;
  canWrite: boolean;
  onDone: (message: string) => void;
}) {
  const remove = useRecordDeleteMutation();
  const history = `/databases/${encodeURIComponent(database)}/events?resource=${encodeURIComponent(resource.name)}&record=${encodeURIComponent(id)}`;
  return (
    <div className="inline-flex items-center gap-1">
      <Link href={history} className="rounded-md px-2 py-1 text-xs font-medium text-zinc-700 hover:bg-zinc-200 dark:text-zinc-300 dark:hover:bg-zinc-800" aria-label={`History of record ${id}`}>
        History
      </Link>
      {canWrite ? (
        <>
          <RecordDialog database={database} resource={resource} resources={resources} record={record} id={id} onSaved={onDone} />
          <ConfirmDialog
            trigger={
              <Button variant="ghost" size="sm" aria-label={`Delete record ${id}`}>
                Delete
              </Button>
            }
            title={`Delete record ${id} of ${resource.name}?`}
            description="References to it follow their on_delete rule. The event log keeps it: reverting the delete brings it back."
            confirmLabel="Delete record"
            pendingLabel="Deleting…"
            onConfirm={async () => {
              await remove.mutateAsync({ database, resource: resource.name, id });
              onDone(`Record ${id} deleted.`);
            }}
          />
        </>
      ) : null}
    </div>
  );
}
