'use client';

import type { GatewayStats } from '@dbforge/contracts';
import Link from 'next/link';
import { PageHeader } from '@/components/shell/page-header';
import { QueryView } from '@/components/ui/query-view';
import { EmptyState } from '@/components/ui/states';
import { StatusBadge } from '@/components/ui/status-badge';
import { useMeQuery } from '@/data/auth/me-query';
import { useDatabasesQuery, type DatabaseInfo } from '@/data/databases/databases-query';
import { useGatewayStatsQuery } from '@/data/gateway/gateway-stats-query';
import { formatBytes, formatCount, formatUptime } from '@/lib/format';

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
      <dt className="text-xs font-medium tracking-wide text-zinc-500 uppercase dark:text-zinc-400">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums">{value}</dd>
    </div>
  );
}

function CountTable({ caption, keyLabel, counts }: { caption: string; keyLabel: string; counts: Record<string, number> }) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return (
    <section aria-label={caption} className="rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <h2 className="border-b border-zinc-200 px-4 py-2 text-sm font-semibold dark:border-zinc-800">{caption}</h2>
      {entries.length === 0 ? (
        <p className="p-4 text-sm text-zinc-500 dark:text-zinc-400">None yet.</p>
      ) : (
        <table className="w-full text-left text-sm">
          <caption className="sr-only">{caption}</caption>
          <thead className="text-xs text-zinc-500 dark:text-zinc-400">
            <tr>
              <th scope="col" className="px-4 py-1.5 font-medium">{keyLabel}</th>
              <th scope="col" className="px-4 py-1.5 text-right font-medium">Count</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {entries.map(([key, count]) => (
              <tr key={key}>
                <th scope="row" className="px-4 py-1.5 font-mono text-xs font-normal">{key}</th>
                <td className="px-4 py-1.5 text-right tabular-nums">{formatCount(count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function GatewayCounters({ stats }: { stats: GatewayStats }) {
  return (
    <>
      <dl className="grid grid-cols-2 gap-4 md:grid-cols-4">
        <Stat label="Uptime" value={formatUptime(stats.uptime_seconds)} />
        <Stat label="Requests" value={formatCount(stats.total_requests)} />
        <Stat label="Errors" value={formatCount(stats.total_errors)} />
        <Stat
          label="Error rate"
          value={stats.total_requests === 0 ? '—' : `${((stats.total_errors / stats.total_requests) * 100).toFixed(1)} %`}
        />
      </dl>
      <div className="grid gap-4 lg:grid-cols-2">
        <CountTable caption="Requests by endpoint" keyLabel="Endpoint" counts={stats.requests_by_endpoint} />
        <CountTable caption="Errors by type" keyLabel="Code" counts={stats.errors_by_type} />
      </div>
    </>
  );
}

/** The gateway's counters and every database's state, refreshed every two seconds. */
export function MonitorView() {
  const me = useMeQuery();
  // The gateway's counters span every tenant: the gateway answers them to the platform admin only.
  const statsHidden = me.data !== undefined && !me.data.platform_admin;
  const stats = useGatewayStatsQuery({ enabled: me.isError || me.data?.platform_admin === true });
  const databases = useDatabasesQuery({ refetchInterval: 2_000 });

  return (
    <>
      <PageHeader title="Monitor" description="Gateway counters since its start, and the state of every database. Live." />
      <div className="space-y-6">
        {statsHidden ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">The gateway’s counters span every tenant, so only the platform admin sees them.</p>
        ) : (
          <QueryView query={stats} loadingLabel="Loading gateway stats…" errorTitle="The gateway stats could not be loaded.">
            {(counters) => <GatewayCounters stats={counters} />}
          </QueryView>
        )}
        <section aria-labelledby="monitor-databases" className="space-y-2">
          <h2 id="monitor-databases" className="text-lg font-semibold">
            Databases
          </h2>
          <QueryView
            query={databases}
            loadingLabel="Loading databases…"
            errorTitle="The databases could not be loaded."
            empty={<EmptyState title="No databases yet" />}
          >
            {(list) => <DatabaseStateTable databases={list} />}
          </QueryView>
        </section>
      </div>
    </>
  );
}

function DatabaseStateTable({ databases }: { databases: DatabaseInfo[] }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Database state</caption>
        <thead className="text-xs text-zinc-500 dark:text-zinc-400">
          <tr>
            <th scope="col" className="px-4 py-1.5 font-medium">Name</th>
            <th scope="col" className="px-4 py-1.5 font-medium">Status</th>
            <th scope="col" className="px-4 py-1.5 font-medium">Engine</th>
            <th scope="col" className="px-4 py-1.5 text-right font-medium">Size</th>
            <th scope="col" className="px-4 py-1.5 text-right font-medium">Statement timeout</th>
            <th scope="col" className="px-4 py-1.5 text-right font-medium">Max rows</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {[...databases]
            .sort((a, b) => b.size_bytes - a.size_bytes)
            .map((db) => (
              <tr key={db.name}>
                <th scope="row" className="px-4 py-1.5 font-medium">
                  <Link href={`/databases/${encodeURIComponent(db.name)}/sql`} className="text-indigo-700 hover:underline dark:text-indigo-300">
                    {db.name}
                  </Link>
                </th>
                <td className="px-4 py-1.5"><StatusBadge status={db.status} /></td>
                <td className="px-4 py-1.5">{db.engine}</td>
                <td className="px-4 py-1.5 text-right tabular-nums">{formatBytes(db.size_bytes)}</td>
                <td className="px-4 py-1.5 text-right tabular-nums">{formatCount(db.settings.statement_timeout_ms)} ms</td>
                <td className="px-4 py-1.5 text-right tabular-nums">{formatCount(db.settings.max_result_rows)}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}
