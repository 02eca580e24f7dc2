import type { FastifyBaseLogger } from 'fastify';
import type { WorkerPoolStats } from './types.js';

export interface WarmPoolOptions<T> {
  /** Workers kept ready. 0 turns the pool off: every spawn starts its own worker. */
  size: number;
  /** Starts one pooled worker; resolves once it can be claimed. */
  create: () => Promise<T>;
  /** Ends a pooled worker that will never serve (it is unusable, or the pool closes) and removes what it owned. */
  destroy: (item: T) => Promise<void>;
  logger: FastifyBaseLogger;
  /** Delay before the next start after one failed; doubled with each failure in a row, up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/**
 * Workers started ahead of need, which a spawn claims instead of starting its own. Framework-free: the runtime says
 * how a pooled worker is started and ended; the pool decides when. It refills in the background, one worker at a
 * time (a start is CPU-heavy, and requests come first), backs off while starts fail, and never hands out a worker
 * twice: a claimed worker leaves the pool for good and belongs to its database from then on.
 */
export class WarmPool<T> {
  private readonly idle: T[] = [];
  private starting = 0;
  private running = false;
  private closed = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<void>>();
  private claims = 0;
  private misses = 0;

  constructor(private readonly options: WarmPoolOptions<T>) {}

  get size(): number {
    return this.options.size;
  }

  /** Starts filling (once, after the runtime has reconciled what already exists). */
  start(): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.fill();
  }

  /** Takes a ready worker out of the pool, or undefined when none is ready; either way the pool refills. */
  claim(): T | undefined {
    if (this.closed || this.options.size === 0) return undefined;
    // The oldest first: it has been ready longest.
    const item = this.idle.shift();
    if (item === undefined) this.misses += 1;
    else this.claims += 1;
    this.fill();
    return item;
  }

  /** The pooled workers that match, for a runtime that learns of a death by id. */
  find(predicate: (item: T) => boolean): T | undefined {
    return this.idle.find(predicate);
  }

  /** A pooled worker died or can't be used: it leaves the pool, is ended and cleaned up, and another one starts. */
  discard(item: T): void {
    const index = this.idle.indexOf(item);
    if (index === -1) return;
    this.idle.splice(index, 1);
    this.track(this.options.destroy(item).catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not remove a pooled worker')));
    this.fill();
  }

  stats(): WorkerPoolStats {
    return { size: this.options.size, idle: this.idle.length, starting: this.starting, claims: this.claims, misses: this.misses };
  }

  private track(task: Promise<void>): void {
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }

  private fill(): void {
    if (!this.running || this.closed || this.retryTimer !== undefined || this.starting > 0) return;
    if (this.idle.length >= this.options.size) return;
    this.starting += 1;
    this.track(
      (async () => {
        let item: T;
        try {
          item = await this.options.create();
        } catch (error) {
          this.failures += 1;
          const base = this.options.retryBaseMs ?? 1000;
          const delay = Math.min(base * 2 ** (this.failures - 1), this.options.retryMaxMs ?? 60_000);
          this.options.logger.warn({ err: error, retryInMs: delay }, 'could not start a pooled worker; spawns start their own meanwhile');
          if (!this.closed) {
            this.retryTimer = setTimeout(() => {
              this.retryTimer = undefined;
              this.fill();
            }, delay);
            this.retryTimer.unref();
          }
          return;
        } finally {
          this.starting -= 1;
        }
        if (this.closed) {
          await this.options.destroy(item).catch(() => undefined);
          return;
        }
        this.failures = 0;
        this.idle.push(item);
        this.fill();
      })(),
    );
  }

  /** Ends every pooled worker, including one being started, and stops refilling. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const items = this.idle.splice(0);
    await Promise.all(
      items.map((item) => this.options.destroy(item).catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not remove a pooled worker'))),
    );
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
