import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry } from 'prom-client';
import { GatewayMetrics } from '../src/stats/metrics.js';
import type { WorkerRuntime } from '../src/runtime/types.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const QUERY = '/api/db/:name/query';

/** method, route, status, seconds, error code: both endpoints interleaved, values on and between bucket bounds. */
const OBSERVATIONS: [string, string, number, number, string | undefined][] = [
  ['POST', QUERY, 200, 0.0003, undefined],
  ['GET', '/health', 200, 0.0005, undefined],
  ['POST', QUERY, 200, 0.0005, undefined],
  ['POST', QUERY, 404, 0.0021, 'NOT_FOUND'],
  ['POST', QUERY, 200, 0.7, undefined],
  ['GET', '/health', 503, 45, 'WORKER_UNAVAILABLE'],
  ['POST', QUERY, 429, 0.00001, 'RATE_LIMITED'],
  ['POST', QUERY, 404, 12, 'NOT_FOUND'],
];

/** One metric family of an exposition, its lines sorted (Prometheus does not read the order of series). */
function family(exposition: string, name: string): string[] {
  const block = exposition.split('\n\n').find((lines) => lines.includes(`# TYPE ${name} `));
  if (block === undefined) throw new Error(`${name} is missing`);
  return block.split('\n').filter(Boolean).sort();
}

describe('gateway metrics', () => {
  it('expose requests, durations and errors exactly as prom-client would have counted them one by one', async () => {
    const metrics = new GatewayMetrics({ list: () => [] } as unknown as WorkerRuntime);
    for (const [method, route, status, seconds, code] of OBSERVATIONS) {
      // The fast lane observes through its endpoint's meter, the pipeline by name: both land in the same series.
      if (route === QUERY && status === 200) metrics.endpoint(method, route).observe(status, seconds, code);
      else metrics.observe(method, route, status, seconds, code);
    }

    const reference = new Registry();
    const requests = new Counter({ name: 'dbforge_http_requests_total', help: 'HTTP requests answered by the gateway.', labelNames: ['method', 'route', 'status_code'], registers: [reference] });
    const duration = new Histogram({
      name: 'dbforge_http_request_duration_seconds',
      help: 'Time from receiving a request to answering it.',
      labelNames: ['method', 'route'],
      buckets: BUCKETS,
      registers: [reference],
    });
    const errors = new Counter({ name: 'dbforge_http_errors_total', help: 'Error replies by error code.', labelNames: ['code'], registers: [reference] });
    for (const [method, route, status, seconds, code] of OBSERVATIONS) {
      requests.inc({ method, route, status_code: String(status) });
      duration.observe({ method, route }, seconds);
      if (code !== undefined) errors.inc({ code });
    }

    const ours = await metrics.registry.metrics();
    const theirs = await reference.metrics();
    for (const name of ['dbforge_http_requests_total', 'dbforge_http_request_duration_seconds', 'dbforge_http_errors_total']) {
      expect(family(ours, name), name).toEqual(family(theirs, name));
    }
    // Spot checks, so that the comparison can't pass on two empty families.
    expect(ours).toContain('dbforge_http_requests_total{method="POST",route="/api/db/:name/query",status_code="404"} 2');
    expect(ours).toContain('dbforge_http_request_duration_seconds_bucket{le="0.0005",method="POST",route="/api/db/:name/query"} 3');
    expect(ours).toContain('dbforge_http_request_duration_seconds_bucket{le="30",method="GET",route="/health"} 1');
    expect(ours).toContain('dbforge_http_request_duration_seconds_count{method="GET",route="/health"} 2');
    expect(ours).toContain('dbforge_http_errors_total{code="NOT_FOUND"} 2');
  });

  it("count the fast lane's requests, and read the same through the registry's JSON", async () => {
    const metrics = new GatewayMetrics({ list: () => [] } as unknown as WorkerRuntime);
    expect(await metrics.registry.metrics()).toMatch(/^dbforge_fast_lane_requests_total 0$/m);
    metrics.laneServed();
    metrics.laneServed();
    metrics.endpoint('POST', QUERY).observe(200, 0.002, undefined);
    // Scraped twice: the counters are set from the meters, not added to at every scrape.
    await metrics.registry.metrics();
    expect(await metrics.registry.metrics()).toMatch(/^dbforge_fast_lane_requests_total 2$/m);
    const json = await metrics.registry.getMetricsAsJSON();
    const histogram = json.find((metric) => metric.name === 'dbforge_http_request_duration_seconds');
    expect(histogram?.type).toBe('histogram');
    const count = histogram?.values.find((value) => (value as { metricName?: string }).metricName === 'dbforge_http_request_duration_seconds_count');
    expect(count).toMatchObject({ value: 1, labels: { method: 'POST', route: QUERY } });
    const requests = json.find((metric) => metric.name === 'dbforge_http_requests_total');
    expect(requests?.values).toEqual([{ value: 1, labels: { method: 'POST', route: QUERY, status_code: '200' } }]);

    // The registry's reset starts every count again, the lane's and the errors' included.
    metrics.observe('POST', QUERY, 404, 0.001, 'NOT_FOUND');
    metrics.registry.resetMetrics();
    const after = await metrics.registry.metrics();
    expect(after).toMatch(/^dbforge_fast_lane_requests_total 0$/m);
    expect(after).not.toContain('dbforge_http_errors_total{');
    expect(after).not.toContain('dbforge_http_requests_total{');
    expect(after).toContain('dbforge_http_request_duration_seconds_count{method="POST",route="/api/db/:name/query"} 0');
  });
});
