import { describe, expect, it } from 'vitest';
import { DbForgeApiError, DbForgeClient } from '../src/index.js';

/** The network is replaced, not the gateway: these tests check what the client sends and how it reads replies. */
function recordingFetch(status: number, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchImpl = (async (url: URL | string, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
  }) as typeof fetch;
  return { calls, fetchImpl };
}

describe('DbForgeClient', () => {
  it('sends the key, JSON bodies and encoded names', async () => {
    const { calls, fetchImpl } = recordingFetch(200, { data: [{ a: 1 }], rows_affected: 1, columns: [], duration_ms: 1, truncated: false });
    const client = new DbForgeClient({ baseUrl: 'http://gw.test/', apiKey: 'k', fetch: fetchImpl });
    expect(await client.db('my db').select('SELECT ?', [1])).toEqual([{ a: 1 }]);
    expect(calls[0]!.url).toBe('http://gw.test/api/db/my%20db/query');
    const headers = calls[0]!.init.headers as Record<string, string>;
    expect(headers['x-api-key']).toBe('k');
    expect(headers['content-type']).toBe('application/json');
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ sql: 'SELECT ?', params: [1] });
  });

  it('turns the error envelope into a typed error', async () => {
    const { fetchImpl } = recordingFetch(404, { error: { code: 'NOT_FOUND', message: 'Database not found.', status: 404 }, detail: 'Database not found.' }, {
      'content-type': 'application/json',
      'x-request-id': 'r-1',
    });
    const client = new DbForgeClient({ baseUrl: 'http://gw.test', fetch: fetchImpl });
    const error = await client.getDatabase('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DbForgeApiError);
    expect(error).toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'Database not found.', requestId: 'r-1' });
  });

  it('reports a reply without the envelope and a network failure distinctly', async () => {
    const { fetchImpl } = recordingFetch(502, '<html>bad gateway</html>', { 'content-type': 'text/html' });
    const client = new DbForgeClient({ baseUrl: 'http://gw.test', fetch: fetchImpl });
    expect(await client.listDatabases().catch((e: unknown) => e)).toMatchObject({ code: 'UNEXPECTED_REPLY', status: 502 });
    const offline = new DbForgeClient({ baseUrl: 'http://127.0.0.1:1' });
    expect(await offline.health().catch((e: unknown) => e)).toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
  });

  it('tells a new database from an existing one on spawn', async () => {
    const { fetchImpl } = recordingFetch(201, { message: 'Database instance spawned successfully.', db_name: 'a', container_id: 'c' });
    const client = new DbForgeClient({ baseUrl: 'http://gw.test', fetch: fetchImpl });
    expect(await client.spawnDatabase('a')).toEqual({ message: 'Database instance spawned successfully.', db_name: 'a', container_id: 'c', created: true });
  });

  it('passes selectRows options as query parameters', async () => {
    const { calls, fetchImpl } = recordingFetch(200, { data: [], rows_affected: 0, truncated: false });
    const client = new DbForgeClient({ baseUrl: 'http://gw.test', fetch: fetchImpl });
    await client.db('d').selectRows('t', { limit: 5, offset: 10, where: { kind: 'odd' } });
    const url = new URL(calls[0]!.url);
    expect(url.pathname).toBe('/api/db/d/tables/t/rows');
    expect(Object.fromEntries(url.searchParams)).toEqual({ kind: 'odd', limit: '5', offset: '10' });
  });
});
