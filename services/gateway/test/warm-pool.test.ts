import { describe, expect, it } from 'vitest';
import { WarmPool } from '../src/runtime/warm-pool.js';
import { silentLogger } from './helpers.js';

/** A pool of numbered items whose starts the test controls: each start waits until the test lets it finish or fail. */
function harness(size: number, options: { retryBaseMs?: number } = {}) {
  let next = 0;
  const starts: { resolve: (n: number) => void; reject: (e: Error) => void }[] = [];
  const destroyed: number[] = [];
  const pool = new WarmPool<number>({
    size,
    create: () => new Promise<number>((resolve, reject) => starts.push({ resolve, reject })),
    destroy: async (n) => {
      destroyed.push(n);
    },
    logger: silentLogger,
    retryBaseMs: options.retryBaseMs ?? 10,
  });
  /** Lets the oldest pending start finish with a new item. */
  const finishStart = async () => {
    const start = starts.shift();
    if (!start) throw new Error('no start pending');
    start.resolve(next++);
    await settle();
  };
  /** Closes the pool; starts still pending finish meanwhile (close waits for them, and ends what they made). */
  const close = async () => {
    const closing = pool.close();
    while (starts.length > 0) await finishStart();
    await closing;
  };
  return { pool, starts, destroyed, finishStart, close };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('WarmPool', () => {
  it('fills up to its size one start at a time, and only once started', async () => {
    const { pool, starts, finishStart, close } = harness(2);
    await settle();
    expect(starts).toHaveLength(0);
    pool.start();
    expect(starts).toHaveLength(1);
    expect(pool.stats()).toMatchObject({ size: 2, idle: 0, starting: 1 });
    await finishStart();
    expect(starts).toHaveLength(1);
    await finishStart();
    expect(starts).toHaveLength(0);
    expect(pool.stats()).toMatchObject({ idle: 2, starting: 0 });
    await close();
  });

  it('hands out each item once, oldest first, and refills after a claim', async () => {
    const { pool, starts, finishStart, close } = harness(2);
    pool.start();
    await finishStart();
    await finishStart();
    expect(pool.claim()).toBe(0);
    expect(starts).toHaveLength(1);
    expect(pool.claim()).toBe(1);
    expect(pool.claim()).toBeUndefined();
    expect(pool.stats()).toMatchObject({ idle: 0, claims: 2, misses: 1 });
    await finishStart();
    expect(pool.claim()).toBe(2);
    await close();
  });

  it('with size 0 never starts anything and never hands anything out', async () => {
    const { pool, starts, close } = harness(0);
    pool.start();
    await settle();
    expect(starts).toHaveLength(0);
    expect(pool.claim()).toBeUndefined();
    expect(pool.stats()).toEqual({ size: 0, idle: 0, starting: 0, claims: 0, misses: 0 });
    await close();
  });

  it('replaces a discarded item and ends it', async () => {
    const { pool, starts, destroyed, finishStart, close } = harness(1);
    pool.start();
    await finishStart();
    pool.discard(0);
    await settle();
    expect(destroyed).toEqual([0]);
    expect(starts).toHaveLength(1);
    // An item that already left the pool (claimed) is not the pool's to end.
    await finishStart();
    expect(pool.claim()).toBe(1);
    pool.discard(1);
    await settle();
    expect(destroyed).toEqual([0]);
    await close();
  });

  it('backs off after a failed start and tries again', async () => {
    const { pool, starts, finishStart, close } = harness(1, { retryBaseMs: 30 });
    pool.start();
    starts.shift()!.reject(new Error('engine down'));
    await settle();
    expect(starts).toHaveLength(0);
    // Claims meanwhile miss; they don't bypass the back-off.
    expect(pool.claim()).toBeUndefined();
    expect(starts).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(starts).toHaveLength(1);
    await finishStart();
    expect(pool.stats().idle).toBe(1);
    await close();
  });

  it('on close ends idle items and the one being started, and starts nothing more', async () => {
    const { pool, starts, destroyed, finishStart } = harness(2);
    pool.start();
    await finishStart();
    expect(starts).toHaveLength(1);
    const closing = pool.close();
    await settle();
    expect(destroyed).toEqual([0]);
    // The start under way finishes after close: its item is ended, not kept.
    await finishStart();
    await closing;
    expect(destroyed).toEqual([0, 1]);
    expect(starts).toHaveLength(0);
    expect(pool.claim()).toBeUndefined();
    pool.start();
    expect(starts).toHaveLength(0);
  });
});
