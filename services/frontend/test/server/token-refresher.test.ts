import type { TokensReply } from '@dbforge/contracts';
import { describe, expect, it, vi } from 'vitest';
import { TokenRefresher, type RefreshOutcome } from '@/server/token-refresher';

function pair(n: number): TokensReply {
  return { access_token: `a${n}`, token_type: 'Bearer', expires_in: 900, refresh_token: `r${n}`, refresh_expires_at: 'later' };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('exchanging refresh tokens', () => {
  it('makes one call to the gateway for a burst of requests holding the same token', async () => {
    const pending = deferred<RefreshOutcome>();
    const exchange = vi.fn(() => pending.promise);
    const refresher = new TokenRefresher(exchange);
    const burst = [refresher.refresh('r1'), refresher.refresh('r1'), refresher.refresh('r1')];
    pending.resolve({ ok: true, tokens: pair(2) });
    for (const outcome of await Promise.all(burst)) expect(outcome).toEqual({ ok: true, tokens: pair(2) });
    expect(exchange).toHaveBeenCalledTimes(1);
  });

  it('answers a late request with the old token the same new pair, during the grace period only', async () => {
    let now = 1_000;
    let n = 1;
    const exchange = vi.fn(async (): Promise<RefreshOutcome> => ({ ok: true, tokens: pair(++n) }));
    const refresher = new TokenRefresher(exchange, { graceMs: 30_000, now: () => now });
    expect(await refresher.refresh('r1')).toEqual({ ok: true, tokens: pair(2) });
    now += 29_999;
    expect(await refresher.refresh('r1')).toEqual({ ok: true, tokens: pair(2) });
    expect(exchange).toHaveBeenCalledTimes(1);
    now += 1;
    expect(await refresher.refresh('r1')).toEqual({ ok: true, tokens: pair(3) });
    expect(exchange).toHaveBeenCalledTimes(2);
  });

  it('does not remember a refusal: the next request asks again', async () => {
    const exchange = vi.fn(async (): Promise<RefreshOutcome> => ({ ok: false }));
    const refresher = new TokenRefresher(exchange);
    expect(await refresher.refresh('spent')).toEqual({ ok: false });
    expect(await refresher.refresh('spent')).toEqual({ ok: false });
    expect(exchange).toHaveBeenCalledTimes(2);
    expect(refresher.size).toBe(0);
  });

  it('passes an unreachable gateway on to every waiting request, and remembers nothing', async () => {
    const pending = deferred<RefreshOutcome>();
    const exchange = vi.fn(() => pending.promise);
    const refresher = new TokenRefresher(exchange);
    const burst = [refresher.refresh('r1'), refresher.refresh('r1')];
    pending.reject(new Error('ECONNREFUSED'));
    for (const outcome of burst) await expect(outcome).rejects.toThrow('ECONNREFUSED');
    exchange.mockResolvedValueOnce({ ok: true, tokens: pair(2) });
    expect(await refresher.refresh('r1')).toEqual({ ok: true, tokens: pair(2) });
  });

  it('forgets a token at sign-out, as a token and as a refresh’s answer', async () => {
    const refresher = new TokenRefresher(async (token) => ({ ok: true, tokens: pair(Number(token.slice(1)) + 1) }));
    await refresher.refresh('r1');
    await refresher.refresh('r7');
    expect(refresher.size).toBe(2);
    refresher.forget('r2');
    expect(refresher.size).toBe(1);
    refresher.forget('r7');
    expect(refresher.size).toBe(0);
  });
});
