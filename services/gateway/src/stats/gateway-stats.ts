import type { GatewayStats } from '@dbforge/contracts';

/** Request and error counts since start, by endpoint (method and route pattern) and by error code. */
export class GatewayStatsCounter {
  private readonly startedAt = process.hrtime.bigint();
  private total = 0;
  private errors = 0;
  private readonly byEndpoint = new Map<string, number>();
  private readonly byError = new Map<string, number>();

  record(endpoint: string, statusCode: number, errorCode: string | undefined): void {
    this.total += 1;
    this.byEndpoint.set(endpoint, (this.byEndpoint.get(endpoint) ?? 0) + 1);
    if (statusCode >= 400) {
      this.errors += 1;
      const code = errorCode ?? `HTTP_${statusCode}`;
      this.byError.set(code, (this.byError.get(code) ?? 0) + 1);
    }
  }

  snapshot(): GatewayStats {
    return {
      uptime_seconds: Math.round(Number(process.hrtime.bigint() - this.startedAt) / 1e6) / 1000,
      total_requests: this.total,
      total_errors: this.errors,
      requests_by_endpoint: Object.fromEntries(this.byEndpoint),
      errors_by_type: Object.fromEntries(this.byError),
    };
  }
}
