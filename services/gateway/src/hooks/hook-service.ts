import crypto from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Dispatcher } from 'undici';
import {
  DbForgeError,
  WORKER_OUTBOX_PATH,
  WorkerHeaders,
  type HookRequiredReply,
  type OutboxDelivery,
} from '@dbforge/contracts';
import type { Catalog } from '../catalog/catalog.js';
import type { DatabaseService } from '../services/databases.js';
import { callWebhook } from './webhook-client.js';

export interface HookServiceOptions {
  /** A webhook's deadline. */
  timeoutMs: number;
  /** First retry delay of an after-hook delivery; doubled with each attempt (at most an hour). */
  retryBaseMs: number;
  /** Attempts before a delivery is kept as dead. */
  maxAttempts: number;
  /** How often every database with webhooks has its outbox swept. */
  sweepIntervalMs: number;
}

const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;
const OUTBOX_BATCH = 100;

/**
 * The gateway's side of resource hooks. Workers have no way out (the docker runtime puts them on an internal
 * network), so the gateway calls every webhook:
 * - before-hooks: a worker answers a write with an internal 299 and the calls to make; the forwarder asks this service
 *   to make them, then re-sends the write with the verdict, or refuses it (veto 422, failure 502, timeout 504);
 * - after-hooks: workers write deliveries to an outbox in the transaction of the write; this service drains the
 *   outboxes (right after a write that reports some, at start, and periodically), signs and posts each delivery,
 *   acknowledges it, or records the failure with the time of the next attempt, so nothing is lost on a restart.
 */
export class HookService {
  private timer: NodeJS.Timeout | undefined;
  /** Drains in flight per database, and whether another was asked for meanwhile. */
  private readonly draining = new Map<string, { again: boolean; done: Promise<void> }>();
  private closed = false;

  constructor(
    private readonly catalog: Catalog,
    private readonly databases: DatabaseService,
    private readonly isRunning: (name: string) => boolean,
    private readonly options: HookServiceOptions,
    private readonly logger: FastifyBaseLogger,
  ) {}

  /** The header value that tells a worker which hooks have webhooks; undefined (no header) for most databases. */
  headerFor(name: string): string | undefined {
    return this.catalog.hookHeader(name);
  }

  /**
   * Calls the before-hooks a worker asked for, in order. Answers the fields hooks asked to set, by record; throws the
   * refusal when a hook vetoes (422 HOOK_REJECTED), fails (502 HOOK_FAILED) or does not answer in time (504).
   */
  async runBefore(name: string, required: HookRequiredReply, requestId: string): Promise<Record<number, Record<string, unknown>>> {
    const sets: Record<number, Record<string, unknown>> = {};
    for (const call of required.calls) {
      const webhook = this.catalog.getWebhook(name, call.hook);
      if (webhook === undefined) {
        throw new DbForgeError('CONFLICT', `The webhook of hook '${call.hook}' was removed while the write waited for it; send the request again.`);
      }
      const body = JSON.stringify({
        id: crypto.randomUUID(),
        type: 'before',
        hook: call.hook,
        event: call.event,
        database: name,
        resource: call.resource,
        record: call.record,
        old_record: call.old_record,
        request_id: requestId,
        timestamp: new Date().toISOString(),
      });
      const outcome = await callWebhook({
        url: webhook.url,
        secret: webhook.secret,
        body,
        event: call.event,
        hook: call.hook,
        delivery: `${requestId}:${call.index}:${call.hook}`,
        timeoutMs: this.options.timeoutMs,
      });
      const what = `The ${call.event} hook '${call.hook}'`;
      if (outcome.kind === 'timeout') {
        throw new DbForgeError('HOOK_TIMEOUT', `${what} did not answer within ${this.options.timeoutMs} ms: the write was refused.`, {
          details: { hook: call.hook, event: call.event },
        });
      }
      if (outcome.kind === 'unreachable') {
        this.logger.warn({ db: name, hook: call.hook, error: outcome.message }, 'before-hook unreachable');
        throw new DbForgeError('HOOK_FAILED', `${what} could not be reached: the write was refused.`, { details: { hook: call.hook, event: call.event } });
      }
      if (outcome.status < 200 || outcome.status > 299) {
        throw new DbForgeError('HOOK_FAILED', `${what} answered HTTP ${outcome.status}: the write was refused.`, {
          details: { hook: call.hook, event: call.event, status: outcome.status },
        });
      }
      const answer = typeof outcome.body === 'object' && outcome.body !== null ? (outcome.body as { allow?: unknown; message?: unknown; set?: unknown }) : {};
      if (answer.allow === false) {
        const message = typeof answer.message === 'string' && answer.message.trim() !== '' ? answer.message.slice(0, 1000) : `${what} rejected the write.`;
        throw new DbForgeError('HOOK_REJECTED', message, { details: { hook: call.hook, event: call.event, index: call.index } });
      }
      if (typeof answer.set === 'object' && answer.set !== null && !Array.isArray(answer.set)) {
        sets[call.index] = { ...sets[call.index], ...(answer.set as Record<string, unknown>) };
      }
    }
    return sets;
  }

  /** A forwarded write reported deliveries in its outbox: drain it now. */
  outboxPending(name: string): void {
    this.drain(name);
  }

  /** Sweeps every outbox now and then every `sweepIntervalMs`. */
  start(): void {
    this.sweep();
    this.timer = setInterval(() => this.sweep(), this.options.sweepIntervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.draining.values()].map((d) => d.done));
  }

  private sweep(): void {
    for (const name of this.catalog.databasesWithWebhooks()) {
      if (this.isRunning(name)) this.drain(name);
    }
  }

  private drain(name: string): void {
    if (this.closed) return;
    const current = this.draining.get(name);
    if (current !== undefined) {
      current.again = true;
      return;
    }
    const state = { again: false, done: Promise.resolve() };
    state.done = (async () => {
      try {
        do {
          state.again = false;
          await this.drainOnce(name);
        } while (state.again && !this.closed);
      } catch (error) {
        this.logger.warn({ err: error, db: name }, 'draining the hook outbox failed; the next sweep tries again');
      } finally {
        this.draining.delete(name);
      }
    })();
    this.draining.set(name, state);
  }

  private async worker(name: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const endpoint = await this.databases.endpoint(name);
    const response: Dispatcher.ResponseData = await endpoint.dispatcher.request({
      path,
      method,
      headers: { [WorkerHeaders.secret]: endpoint.secret, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
      headersTimeout: 30_000,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`the worker answered ${response.statusCode} to ${method} ${path}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as unknown;
  }

  private async drainOnce(name: string): Promise<void> {
    for (;;) {
      if (this.closed || this.catalog.get(name) === undefined) return;
      const { deliveries } = (await this.worker(name, 'GET', `${WORKER_OUTBOX_PATH}?limit=${OUTBOX_BATCH}`)) as { deliveries: OutboxDelivery[] };
      if (deliveries.length === 0) return;
      const delivered: number[] = [];
      for (const delivery of deliveries) {
        const error = await this.deliver(name, delivery);
        if (error === undefined) {
          delivered.push(delivery.id);
          continue;
        }
        const attempts = delivery.attempts + 1;
        const dead = attempts >= this.options.maxAttempts;
        const delay = Math.min(this.options.retryBaseMs * 2 ** (attempts - 1), MAX_RETRY_DELAY_MS) * (0.8 + Math.random() * 0.4);
        await this.worker(name, 'POST', `${WORKER_OUTBOX_PATH}/fail`, {
          id: delivery.id,
          error,
          retry_at: new Date(Date.now() + delay).toISOString(),
          dead,
        });
        this.logger.warn({ db: name, hook: delivery.hook, delivery: delivery.id, attempts, dead, error }, dead ? 'after-hook delivery given up' : 'after-hook delivery failed; it will be retried');
      }
      if (delivered.length > 0) await this.worker(name, 'POST', `${WORKER_OUTBOX_PATH}/ack`, { ids: delivered });
      // Failed deliveries wait for their next attempt; the loop only continues while whole batches went through.
      if (delivered.length < deliveries.length || deliveries.length < OUTBOX_BATCH) return;
    }
  }

  /** Undefined when delivered; otherwise why not. */
  private async deliver(name: string, delivery: OutboxDelivery): Promise<string | undefined> {
    const webhook = this.catalog.getWebhook(name, delivery.hook);
    if (webhook === undefined) return `no webhook is configured for hook '${delivery.hook}'`;
    const body = JSON.stringify({ id: `${name}:${delivery.id}`, type: 'after', ...(delivery.payload as Record<string, unknown>), attempt: delivery.attempts + 1 });
    const outcome = await callWebhook({
      url: webhook.url,
      secret: webhook.secret,
      body,
      event: delivery.event,
      hook: delivery.hook,
      delivery: `${name}:${delivery.id}`,
      timeoutMs: this.options.timeoutMs,
    });
    if (outcome.kind === 'timeout') return `no answer within ${this.options.timeoutMs} ms`;
    if (outcome.kind === 'unreachable') return `unreachable: ${outcome.message}`;
    if (outcome.status < 200 || outcome.status > 299) return `answered HTTP ${outcome.status}`;
    return undefined;
  }
}
