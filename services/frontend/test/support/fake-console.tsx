import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { vi } from 'vitest';
import { makeQueryClient } from '@/data/query-provider';

export interface FakeCall {
  method: string;
  path: string;
  /** JSON bodies parsed; any other body (YAML) as its text. */
  body: unknown;
  /** The body's content type, when it is not JSON. */
  contentType?: string;
}

function parsedBody(body: unknown): unknown {
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

type Handler = (call: FakeCall) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>;

/**
 * Stands in for the console's /api/gateway proxy: routes by "METHOD /path" (query string left out) and records each
 * call, so tests state what the browser would send and what it would get back.
 */
export function fakeGateway(routes: Record<string, Handler>) {
  const calls: FakeCall[] = [];
  const fetch = vi.fn(async (input: string | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://console.test');
    const method = init.method ?? 'GET';
    const path = url.pathname.replace(/^\/api\/gateway/, '');
    const contentType = (init.headers as Record<string, string> | undefined)?.['content-type'];
    const call: FakeCall = { method, path: path + url.search, body: parsedBody(init.body), ...(contentType && contentType !== 'application/json' ? { contentType } : {}) };
    calls.push(call);
    const handler = routes[`${method} ${path}`];
    const reply = handler
      ? await handler(call)
      : { status: 404, body: { error: { code: 'NOT_FOUND', message: `no fake for ${method} ${path}`, status: 404 } } };
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
      status: reply.status,
      headers: { 'content-type': 'application/json' },
    });
  });
  vi.stubGlobal('fetch', fetch);
  return { calls, fetch };
}

export function envelope(status: number, code: string, message: string, details?: unknown) {
  return { status, body: { error: { code, message, status, ...(details === undefined ? {} : { details }) }, detail: message } };
}

export function testQueryClient(onUnauthorized?: () => void): QueryClient {
  const client = makeQueryClient(onUnauthorized ? { onUnauthorized } : {});
  client.setDefaultOptions({ queries: { ...client.getDefaultOptions().queries, retry: false, refetchInterval: false } });
  return client;
}

export function withClient(client: QueryClient) {
  return function Wrapper({ children }: { children: ReactNode }) {
    return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  };
}

export const sampleDatabase = {
  name: 'shop',
  container_id: '3f2a9c1b7d4e',
  status: 'running' as const,
  engine: 'sqlite' as const,
  size_bytes: 45056,
  created_at: '2026-11-23T09:12:44.512Z',
  settings: { statement_timeout_ms: 30000, max_result_rows: 10000, max_result_bytes: 16777216 },
};
