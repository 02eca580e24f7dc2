import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { databaseKeys } from '@/data/databases/keys';
import { eventStreamUrl } from '@/data/events/event-stream';
import { eventsOf, mergeEvents, newerEventsOf, useEventsQuery, useRevertMutation, type ChangeEvent } from '@/data/events/events-query';
import { eventKeys } from '@/data/events/keys';
import { ApiError } from '@/data/fetcher';
import { resourceKeys } from '@/data/resources/keys';
import { useRecordDeleteMutation, useRecordSaveMutation, useRecordsQuery } from '@/data/resources/records';
import { destructiveStepsOf, useSchemaApplyMutation } from '@/data/resources/schema-apply-mutation';
import { schemaYaml, useSchemaQuery } from '@/data/resources/schema-query';
import { useTablesQuery } from '@/data/tables/tables-query';
import { webhookKeys } from '@/data/webhooks/keys';
import { useWebhookDeleteMutation, useWebhookPutMutation, useWebhooksQuery } from '@/data/webhooks/webhooks';
import { envelope, fakeGateway, testQueryClient, withClient } from '../support/fake-console';
import { customers, resourceSchema, schemaReply } from '../support/resources';

afterEach(() => vi.unstubAllGlobals());

const event = (id: number, more: Partial<ChangeEvent> = {}): ChangeEvent => ({
  id,
  at: '2026-11-23T09:00:00.000Z',
  actor: { id: 'admin', roles: ['admin'] },
  request_id: null,
  source: 'resources',
  op: 'update',
  resource: 'customers',
  table: 'customers',
  record_id: '7',
  before: { id: 7, status: 'lead' },
  after: { id: 7, status: 'active' },
  reverts: null,
  ...more,
});

describe('query keys of resources, events and webhooks', () => {
  it('nest under their database, so refreshing or pruning a database covers them', () => {
    const db = databaseKeys.detail('crm');
    expect(resourceKeys.schema('crm').slice(0, 3)).toEqual(db);
    expect(resourceKeys.list('crm', 'customers', { limit: '20' })).toEqual([...db, 'resources', 'customers', 'list', { limit: '20' }]);
    expect(eventKeys.list('crm', { resource: 'customers' }).slice(0, 4)).toEqual(eventKeys.all('crm'));
    expect(eventKeys.all('crm').slice(0, 3)).toEqual(db);
    expect(webhookKeys.list('crm').slice(0, 3)).toEqual(db);
  });
});

describe('the schema hooks', () => {
  it('load the resources and join their YAML into one file, a document each', async () => {
    const reply = schemaReply([resourceSchema(customers, 'resource: customers\nfields: {}\n'), resourceSchema(customers, '---\nresource: companies\n\n')]);
    fakeGateway({ 'GET /api/db/crm/schema': () => ({ status: 200, body: reply }) });
    const { result } = renderHook(() => useSchemaQuery('crm'), { wrapper: withClient(testQueryClient()) });
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(schemaYaml(result.current.data!)).toBe('resource: customers\nfields: {}\n---\nresource: companies\n');
    expect(schemaYaml(schemaReply([]))).toBe('');
  });

  it('check with a dry run and apply as YAML; an apply refreshes everything cached about the database, a check nothing', async () => {
    const plan = { resources: [{ name: 'customers', version: 1, status: 'created' }], plan: [], warnings: [] };
    let tables = 0;
    const gw = fakeGateway({
      'PUT /api/db/crm/schema': (call) => ({ status: 200, body: { ...plan, dry_run: call.path.includes('dry_run=true') } }),
      'GET /api/db/crm/tables': () => {
        tables++;
        return { status: 200, body: { tables: [] } };
      },
    });
    const { result } = renderHook(() => ({ tables: useTablesQuery('crm'), apply: useSchemaApplyMutation() }), { wrapper: withClient(testQueryClient()) });
    await waitFor(() => expect(result.current.tables.isSuccess).toBe(true));
    await act(async () => {
      await result.current.apply.mutateAsync({ database: 'crm', yaml: 'resource: customers\n', dryRun: true });
    });
    expect(gw.calls.at(-1)).toEqual({ method: 'PUT', path: '/api/db/crm/schema?dry_run=true', body: 'resource: customers\n', contentType: 'application/yaml' });
    expect(tables).toBe(1);
    await act(async () => {
      await result.current.apply.mutateAsync({ database: 'crm', yaml: 'resource: customers\n', allowDestructive: true });
    });
    expect(gw.calls.some((c) => c.path === '/api/db/crm/schema?allow_destructive=true')).toBe(true);
    await waitFor(() => expect(tables).toBe(2));
  });

  it('read the destructive steps of a 409', () => {
    const step = { action: 'rebuild_table', resource: 'customers', destructive: true, detail: 'drops tier', sql: [] };
    expect(destructiveStepsOf({ destructive_steps: [step] })).toEqual([step]);
    expect(destructiveStepsOf([{ field: 'x', message: 'y' }])).toEqual([]);
    expect(destructiveStepsOf(undefined)).toEqual([]);
  });
});

describe('the record hooks', () => {
  it('list with the browser’s query string, create with POST, edit with PATCH, delete, and refresh the lists and the event log', async () => {
    const gw = fakeGateway({
      'GET /api/db/crm/resources/customers': () => ({ status: 200, body: { data: [{ id: 1 }], has_more: false, next_cursor: null, total: 1 } }),
      'POST /api/db/crm/resources/customers': (call) => ({ status: 201, body: { id: 2, ...(call.body as object) } }),
      'PATCH /api/db/crm/resources/customers/2': (call) => ({ status: 200, body: { id: 2, ...(call.body as object) } }),
      'DELETE /api/db/crm/resources/customers/2': () => ({ status: 204 }),
      'GET /api/db/crm/events': () => ({ status: 200, body: { data: [], next_cursor: null } }),
    });
    const client = testQueryClient();
    const { result } = renderHook(
      () => ({
        list: useRecordsQuery('crm', 'customers', { status: 'lead', limit: '20', count: 'true' }),
        events: useEventsQuery('crm', {}),
        save: useRecordSaveMutation(),
        remove: useRecordDeleteMutation(),
      }),
      { wrapper: withClient(client) },
    );
    await waitFor(() => expect(result.current.list.isSuccess && result.current.events.isSuccess).toBe(true));
    expect(gw.calls[0]!.path).toBe('/api/db/crm/resources/customers?status=lead&limit=20&count=true');
    const listCalls = () => gw.calls.filter((c) => c.method === 'GET' && c.path.startsWith('/api/db/crm/resources')).length;
    const eventCalls = () => gw.calls.filter((c) => c.path.startsWith('/api/db/crm/events')).length;

    await act(async () => {
      await result.current.save.mutateAsync({ database: 'crm', resource: 'customers', values: { name: 'Ada' } });
    });
    expect(gw.calls.find((c) => c.method === 'POST')).toEqual({ method: 'POST', path: '/api/db/crm/resources/customers', body: { name: 'Ada' } });
    await waitFor(() => expect([listCalls(), eventCalls()]).toEqual([2, 2]));

    await act(async () => {
      await result.current.save.mutateAsync({ database: 'crm', resource: 'customers', id: '2', values: { status: 'active' } });
      await result.current.remove.mutateAsync({ database: 'crm', resource: 'customers', id: '2' });
    });
    expect(gw.calls.filter((c) => c.method === 'PATCH' || c.method === 'DELETE').map((c) => `${c.method} ${c.path} ${JSON.stringify(c.body)}`)).toEqual([
      'PATCH /api/db/crm/resources/customers/2 {"status":"active"}',
      'DELETE /api/db/crm/resources/customers/2 undefined',
    ]);
  });

  it('carry the API’s validation messages per field', async () => {
    fakeGateway({
      'POST /api/db/crm/resources/customers': () => envelope(422, 'VALIDATION_ERROR', 'Validation failed: body.email must be an email address', [{ field: 'body.email', message: 'must be an email address' }]),
    });
    const { result } = renderHook(() => useRecordSaveMutation(), { wrapper: withClient(testQueryClient()) });
    await act(async () => {
      await result.current.mutateAsync({ database: 'crm', resource: 'customers', values: { email: 'x' } }).catch(() => undefined);
    });
    await waitFor(() => expect((result.current.error as ApiError).fieldProblems).toEqual([{ field: 'body.email', message: 'must be an email address' }]));
  });
});

describe('the event hooks', () => {
  it('page the log oldest first with its cursor and the filters', async () => {
    const gw = fakeGateway({
      'GET /api/db/crm/events': (call) =>
        call.path.includes('cursor=2')
          ? { status: 200, body: { data: [event(3)], next_cursor: null } }
          : { status: 200, body: { data: [event(1), event(2)], next_cursor: '2' } },
    });
    const { result } = renderHook(() => useEventsQuery('crm', { resource: 'customers', record: '7', since: '2026-11-01T00:00:00.000Z' }), {
      wrapper: withClient(testQueryClient()),
    });
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(gw.calls[0]!.path).toBe('/api/db/crm/events?resource=customers&record=7&since=2026-11-01T00%3A00%3A00.000Z&limit=100');
    expect(result.current.hasNextPage).toBe(true);
    await act(async () => {
      await result.current.fetchNextPage();
    });
    expect(gw.calls[1]!.path).toContain('cursor=2');
    await waitFor(() => expect(eventsOf(result.current.data).map((e) => e.id)).toEqual([1, 2, 3]));
    expect(result.current.hasNextPage).toBe(false);
  });

  it('merge live events into the list in id order, each once', () => {
    expect(mergeEvents([event(1), event(3)], [event(3, { op: 'delete' }), event(2)]).map((e) => [e.id, e.op])).toEqual([
      [1, 'update'],
      [2, 'update'],
      [3, 'delete'],
    ]);
  });

  it('revert, by force when asked, and read the newer events of a conflict', async () => {
    const gw = fakeGateway({
      'POST /api/db/crm/events/1/revert': (call) =>
        call.path.includes('force=true')
          ? { status: 201, body: { reverted: event(1), event: event(4) } }
          : envelope(409, 'CONFLICT', 'The record changed after event 1: event(s) 2, 3 came later.', { newer_events: [2, 3] }),
    });
    const { result } = renderHook(() => useRevertMutation(), { wrapper: withClient(testQueryClient()) });
    await act(async () => {
      await result.current.mutateAsync({ database: 'crm', id: 1 }).catch(() => undefined);
    });
    await waitFor(() => expect(newerEventsOf(result.current.error)).toEqual([2, 3]));
    await act(async () => {
      await result.current.mutateAsync({ database: 'crm', id: 1, force: true });
    });
    expect(gw.calls.map((c) => c.path)).toEqual(['/api/db/crm/events/1/revert', '/api/db/crm/events/1/revert?force=true']);
    expect(newerEventsOf(new ApiError({ status: 409, code: 'CONFLICT', message: 'gone', details: { event: 1 } }))).toEqual([]);
  });

  it('stream through the console’s proxy, never to the gateway directly', () => {
    expect(eventStreamUrl('crm')).toBe('/api/gateway/api/db/crm/events/stream');
    expect(eventStreamUrl('crm', { resource: 'customers', record: '7', lastEventId: 42 })).toBe(
      '/api/gateway/api/db/crm/events/stream?resource=customers&record=7&last_event_id=42',
    );
    // A record needs its resource.
    expect(eventStreamUrl('crm', { record: '7' })).toBe('/api/gateway/api/db/crm/events/stream');
  });
});

describe('the webhook hooks', () => {
  it('list, set (a generated secret stays in the mutation, not in the cache) and delete', async () => {
    const hook = { database: 'crm', hook: 'notify_sales', url: 'https://hooks.example.com/x', created_at: 'then', updated_at: 'then' };
    let listed = 0;
    const gw = fakeGateway({
      'GET /admin/databases/crm/webhooks': () => ({ status: 200, body: { webhooks: listed++ === 0 ? [] : [hook] } }),
      'PUT /admin/databases/crm/webhooks/notify_sales': () => ({ status: 201, body: { ...hook, secret: 'generated-secret-value' } }),
      'DELETE /admin/databases/crm/webhooks/notify_sales': () => ({ status: 200, body: { message: "Webhook 'notify_sales' removed." } }),
      'GET /api/db/crm/schema': () => ({ status: 200, body: schemaReply([]) }),
    });
    const client = testQueryClient();
    const { result } = renderHook(() => ({ list: useWebhooksQuery('crm'), put: useWebhookPutMutation(), remove: useWebhookDeleteMutation() }), {
      wrapper: withClient(client),
    });
    await waitFor(() => expect(result.current.list.data).toEqual([]));
    let put: Awaited<ReturnType<typeof result.current.put.mutateAsync>> | undefined;
    await act(async () => {
      put = await result.current.put.mutateAsync({ database: 'crm', hook: 'notify_sales', webhook: { url: hook.url } });
    });
    expect(put).toEqual({ webhook: { ...hook, secret: 'generated-secret-value' }, created: true });
    expect(gw.calls.find((c) => c.method === 'PUT')!.body).toEqual({ url: hook.url });
    await waitFor(() => expect(result.current.list.data).toEqual([hook]));
    expect(JSON.stringify(client.getQueryCache().getAll().map((q) => q.state.data))).not.toContain('generated-secret-value');
    await act(async () => {
      await result.current.remove.mutateAsync({ database: 'crm', hook: 'notify_sales' });
    });
    expect(gw.calls.some((c) => c.method === 'DELETE')).toBe(true);
  });
});
