'use client';

import * as Tabs from '@radix-ui/react-tabs';
import { Button } from '@/components/ui/button';
import { clearHistory, deleteSavedQuery, useQueryHistory, useSavedQueries } from '@/data/sql/local-queries';

const tabClass =
  'flex-1 border-b-2 border-transparent px-3 py-2 text-sm font-medium text-zinc-600 data-[state=active]:border-indigo-600 data-[state=active]:text-zinc-900 dark:text-zinc-400 dark:data-[state=active]:border-indigo-400 dark:data-[state=active]:text-zinc-50';

/** Query history and saved queries of one database; choosing one puts it in the editor. */
export function QueryLibrary({ database, onLoad }: { database: string; onLoad: (sql: string) => void }) {
  const history = useQueryHistory(database);
  const saved = useSavedQueries(database);

  return (
    <aside aria-label="Query library" className="min-w-0 rounded-md border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <Tabs.Root defaultValue="history">
        <Tabs.List aria-label="Queries" className="flex border-b border-zinc-200 dark:border-zinc-800">
          <Tabs.Trigger value="history" className={tabClass}>
            History
          </Tabs.Trigger>
          <Tabs.Trigger value="saved" className={tabClass}>
            Saved
          </Tabs.Trigger>
        </Tabs.List>
        <Tabs.Content value="history" className="p-2">
          {history.length === 0 ? (
            <p className="p-2 text-sm text-zinc-500 dark:text-zinc-400">Statements you run appear here.</p>
          ) : (
            <>
              <ul aria-label="Query history" className="max-h-[32rem] space-y-1 overflow-y-auto">
                {history.map((sql) => (
                  <li key={sql}>
                    <button
                      type="button"
                      onClick={() => onLoad(sql)}
                      className="block w-full truncate rounded px-2 py-1 text-left font-mono text-xs hover:bg-zinc-100 dark:hover:bg-zinc-800"
                      title={sql}
                    >
                      {sql}
                    </button>
                  </li>
                ))}
              </ul>
              <Button size="sm" variant="ghost" className="mt-2" onClick={() => clearHistory(database)}>
                Clear history
              </Button>
            </>
          )}
        </Tabs.Content>
        <Tabs.Content value="saved" className="p-2">
          {saved.length === 0 ? (
            <p className="p-2 text-sm text-zinc-500 dark:text-zinc-400">Save a query to keep it here.</p>
          ) : (
            <ul aria-label="Saved queries" className="max-h-[32rem] space-y-1 overflow-y-auto">
              {saved.map((query) => (
                <li key={query.name} className="flex items-center gap-1">
                  <button
                    type="button"
                    onClick={() => onLoad(query.sql)}
                    className="min-w-0 flex-1 truncate rounded px-2 py-1 text-left text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800"
                    title={query.sql}
                  >
                    {query.name}
                  </button>
                  <Button size="sm" variant="ghost" aria-label={`Delete saved query ${query.name}`} onClick={() => deleteSavedQuery(database, query.name)}>
                    Delete
                  </Button>
                </li>
              ))}
            </ul>
          )}
        </Tabs.Content>
      </Tabs.Root>
    </aside>
  );
}
