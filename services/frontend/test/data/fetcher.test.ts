import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, gatewayFetch, gatewayRequest } from '@/data/fetcher';

function reply(status: number, body: unknown, contentType = 'application/json') {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': contentType } });
}

afterEach(() => vi.unstubAllGlobals());

describe('the gateway fetcher', () => {
  it('calls the console’s proxy, never the gateway, with the query and a JSON body', async () => {
    const fetch = vi.fn(async () => reply(201, { ok: true }));
    vi.stubGlobal('fetch', fetch);
    const result = await gatewayRequest('/admin/databases/spawn/shop', { method: 'POST', body: { engine: 'duckdb' }, query: { tail: 5, skip: undefined } });
    expect(result).toEqual({ status: 201, body: { ok: true } });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/gateway/admin/databases/spawn/shop?tail=5');
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{"engine":"duckdb"}');
    expect(init.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(JSON.stringify(init.headers).toLowerCase()).not.toContain('x-api-key');
  });

  it('turns the error envelope into an ApiError with its code, message, status and field problems', async () => {
    vi.stubGlobal('fetch', async () =>
      reply(422, {
        error: { code: 'VALIDATION_ERROR', message: 'Invalid request: 2 problems.', status: 422, details: [{ field: 'body.engine', message: 'must be sqlite or duckdb' }, { nope: 1 }] },
        detail: 'Invalid request: 2 problems.',
      }),
    );
    const error = await gatewayFetch('/admin/databases/spawn/x', { method: 'POST', body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, code: 'VALIDATION_ERROR', message: 'Invalid request: 2 problems.' });
    expect((error as ApiError).fieldProblems).toEqual([{ field: 'body.engine', message: 'must be sqlite or duckdb' }]);
  });

  it('keeps the engine’s message of a SQL error word for word', async () => {
    const message = 'SQL Error: no such table: missing_table';
    vi.stubGlobal('fetch', async () => reply(400, { error: { code: 'SQL_ERROR', message, status: 400 }, detail: message }));
    await expect(gatewayFetch('/api/db/shop/query', { method: 'POST', body: { sql: 'SELECT * FROM missing_table' } })).rejects.toMatchObject({
      code: 'SQL_ERROR',
      message,
    });
  });

  it('reports a reply without an envelope and a network failure as such', async () => {
    vi.stubGlobal('fetch', async () => reply(502, '<html>Bad gateway</html>', 'text/html'));
    await expect(gatewayFetch('/admin/databases')).rejects.toMatchObject({ status: 502, code: 'UNEXPECTED_REPLY' });
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(gatewayFetch('/admin/databases')).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
  });
});
