import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { WORKER_STATES } from '@dbforge/contracts';
import type { WorkerRuntime } from '../runtime/types.js';

/** The upper bounds of the request duration histogram, in seconds. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

/**
 * One endpoint's (method and route's) answered requests: how many of each status, and the histogram of their
 * durations. Kept in plain numbers and read by prom-client only when /metrics is asked: prom-client checks and hashes
 * the labels of every observation, three times per request, which was a measurable share of a point select's cost in
 * the gateway (see docs/BENCHMARKS.md).
 */
export class EndpointMeter {
  /** Requests by status code. */
  readonly statuses = new Map<number, number>();
  /** Requests per bucket (not cumulative); the last one is above the largest bound. */
  readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  constructor(
    readonly method: string,
    readonly route: string,
    private readonly errors: Map<string, number>,
  ) {}

  /** An answered request: its status, how long it took (seconds), and its error code if it was an error. */
  observe(statusCode: number, seconds: number, errorCode: string | undefined): void {
    this.statuses.set(statusCode, (this.statuses.get(statusCode) ?? 0) + 1);
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]!) bucket++;
    this.buckets[bucket]! += 1;
    this.sum += seconds;
    this.count += 1;
    if (errorCode !== undefined) this.errors.set(errorCode, (this.errors.get(errorCode) ?? 0) + 1);
  }
}

/** Prometheus metrics of one gateway, in their own registry (several gateways can live in one test process). */
export class GatewayMetrics {
  readonly registry = new Registry();
  /** Every endpoint's meter, by `METHOD route`. */
  private readonly endpoints = new Map<string, EndpointMeter>();
  /** Error replies by error code. */
  private readonly errors = new Map<string, number>();
  private laneCount = 0;

  constructor(runtime: WorkerRuntime) {
    collectDefaultMetrics({ register: this.registry, prefix: 'dbforge_gateway_' });
    const endpoints = this.endpoints;
    const errors = this.errors;
    const lane = () => this.laneCount;
    // The counters are set from the meters when scraped (a counter's collect runs before it is read).
    new Counter({
      name: 'dbforge_http_requests_total',
      help: 'HTTP requests answered by the gateway.',
      labelNames: ['method', 'route', 'status_code'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const meter of endpoints.values()) {
          for (const [status, count] of meter.statuses) this.inc({ method: meter.method, route: meter.route, status_code: String(status) }, count);
        }
      },
    });
    this.registry.registerMetric(new DurationHistogram(endpoints, () => this.reset()) as unknown as Metric);
    new Counter({
      name: 'dbforge_http_errors_total',
      help: 'Error replies by error code.',
      labelNames: ['code'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [code, count] of errors) this.inc({ code }, count);
      },
    });
    new Counter({
      name: 'dbforge_fast_lane_requests_total',
      help: "Requests the gateway's fast lane answered (platform callers' SQL queries and batches); the rest of them went through the request pipeline.",
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(lane());
      },
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

  /** The meter of an endpoint, to observe its requests with (the fast lane keeps its two). */
  endpoint(method: string, route: string): EndpointMeter {
    const key = `${method} ${route}`;
    let meter = this.endpoints.get(key);
    if (meter === undefined) {
      meter = new EndpointMeter(method, route, this.errors);
      this.endpoints.set(key, meter);
    }
    return meter;
  }

  observe(method: string, route: string, statusCode: number, seconds: number, errorCode: string | undefined): void {
    this.endpoint(method, route).observe(statusCode, seconds, errorCode);
  }

  /** A request the fast lane answered (also counted by its endpoint's meter, as every request). */
  laneServed(): void {
    this.laneCount += 1;
  }

  /**
   * Everything counted starts again from zero (`Registry.resetMetrics`; the counters are set from these at every
   * scrape, so resetting one of them alone changes nothing).
   */
  reset(): void {
    for (const meter of this.endpoints.values()) {
      meter.statuses.clear();
      meter.buckets.fill(0);
      meter.sum = 0;
      meter.count = 0;
    }
    this.errors.clear();
    this.laneCount = 0;
  }
}

/**
 * `dbforge_http_request_duration_seconds`, read from the endpoints' meters: a metric in prom-client's own shape (what
 * its Histogram's `get()` answers), so that the registry formats it exactly as it formats a Histogram.
 */
class DurationHistogram {
  readonly name = 'dbforge_http_request_duration_seconds';
  readonly help = 'Time from receiving a request to answering it.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    private readonly endpoints: Map<string, EndpointMeter>,
    private readonly resetAll: () => void,
  ) {}

  async get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const { method, route, buckets, sum, count } of this.endpoints.values()) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((le, bucket) => {
        cumulative += buckets[bucket]!;
        values.push({ labels: { le, method, route }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', method, route }, value: count, metricName: `${this.name}_bucket` });
      values.push({ labels: { method, route }, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels: { method, route }, value: count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.resetAll();
  }
}
