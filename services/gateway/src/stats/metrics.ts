import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { WORKER_STATES } from '@dbforge/contracts';
import type { WorkerRuntime } from '../runtime/types.js';

/** Prometheus metrics of one gateway, in their own registry (several gateways can live in one test process). */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status_code'>;
  private readonly duration: Histogram<'method' | 'route'>;
  private readonly errors: Counter<'code'>;
  private readonly lane: Counter;

  constructor(runtime: WorkerRuntime) {
    collectDefaultMetrics({ register: this.registry, prefix: 'dbforge_gateway_' });
    this.requests = new Counter({
      name: 'dbforge_http_requests_total',
      help: 'HTTP requests answered by the gateway.',
      labelNames: ['method', 'route', 'status_code'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'dbforge_http_request_duration_seconds',
      help: 'Time from receiving a request to answering it.',
      labelNames: ['method', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.errors = new Counter({
      name: 'dbforge_http_errors_total',
      help: 'Error replies by error code.',
      labelNames: ['code'],
      registers: [this.registry],
    });
    this.lane = new Counter({
      name: 'dbforge_fast_lane_requests_total',
      help: "Requests the gateway's fast lane answered (platform callers' SQL queries and batches); the rest of them went through the request pipeline.",
      registers: [this.registry],
    });
    new Gauge({
      name: 'dbforge_workers',
      help: 'Database workers by state.',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const counts = Object.fromEntries(WORKER_STATES.map((s) => [s, 0])) as Record<string, number>;
        for (const status of runtime.list()) counts[status.state] = (counts[status.state] ?? 0) + 1;
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'dbforge_worker_restarts',
      help: 'Restarts of each database worker since the gateway started.',
      labelNames: ['database'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const status of runtime.list()) this.set({ database: status.name }, status.restarts);
      },
    });
  }

  observe(method: string, route: string, statusCode: number, seconds: number, errorCode: string | undefined): void {
    this.requests.inc({ method, route, status_code: String(statusCode) });
    this.duration.observe({ method, route }, seconds);
    if (errorCode !== undefined) this.errors.inc({ code: errorCode });
  }

  /** A request the fast lane answered (also counted by `observe`, as every request). */
  laneServed(): void {
    this.lane.inc();
  }
}
