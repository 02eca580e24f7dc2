import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useDatabaseCreateMutation } from '@/data/databases/database-create-mutation';
import { useDatabasePruneMutation } from '@/data/databases/database-prune-mutation';
import { useDatabaseQuery } from '@/data/databases/database-query';
import { useMeQuery } from '@/data/auth/me-query';
import { useDatabasesQuery } from '@/data/databases/databases-query';
import { databaseKeys } from '@/data/databases/keys';
import { useSqlExecuteMutation } from '@/data/sql/sql-execute-mutation';
import { tableKeys } from '@/data/tables/keys';
import { useTablesQuery } from '@/data/tables/tables-query';
import { tenantKeys } from '@/data/tenants/keys';
import { useMemberPutMutation } from '@/data/tenants/members';
import { envelope, fakeGateway, sampleDatabase, testQueryClient, withClient } from '../support/fake-console';

afterEach(() => vi.unstubAllGlobals());

describe('query keys', () => {
  it('nest from the general to the particular, tables under their database', () => {
    expect(databaseKeys.list()).toEqual(['databases', 'list']);
    expect(databaseKeys.detail('shop')).toEqual(['databases', 'detail', 'shop']);
    expect(tableKeys.list('shop').slice(0, 3)).toEqual(databaseKeys.detail('shop'));
    expect(tableKeys.detail('shop', 'users').slice(0, 4)).toEqual(tableKeys.list('shop'));
    expect(databaseKeys.logs('shop', 100).slice(0, 3)).toEqual(databaseKeys.detail('shop'));
  });
});

describe('database hooks', () => {
  it('list the databases from GET /admin/databases', async () => {
    fakeGateway({ 'GET /admin/databases': () => ({ status: 200, body: [sampleDatabase] }) });
    const { result } = renderHook(() => useDatabasesQuery(), { wrapper: withClient(testQueryClient()) });
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(result.current.data).toEqual([sampleDatabase]);
  });

  it('create with the engine and limits, tell a new database from an existing one, and refresh the list', async () => {
    let listed = 0;
    const gw = fakeGateway({
      'GET /admin/databases': () => ({ status: 200, body: listed++ === 0 ? [] : [sampleDatabase] }),
      'POST /admin/databases/spawn/shop': () => ({ status: 201, body: { message: 'Database instance spawned successfully.', db_name: 'shop', container_id: 'abc' } }),
      'POST /admin/databases/spawn/old': () => ({ status: 200, body: { message: 'Database instance already exists and is running.', db_name: 'old', container_id: 'def' } }),
    });
    const client = testQueryClient();
    const { result } = renderHook(() => ({ list: useDatabasesQuery(), create: useDatabaseCreateMutation() }), { wrapper: withClient(client) });
    await waitFor(() => expect(result.current.list.data).toEqual([]));
    let created: Awaited<ReturnType<typeof result.current.create.mutateAsync>> | undefined;
    await act(async () => {
      created = await result.current.create.mutateAsync({ name: 'shop', options: { engine: 'duckdb', max_result_rows: 50 } });
    });
    expect(created).toMatchObject({ db_name: 'shop', created: true });
    expect(gw.calls.find((c) => c.method === 'POST')).toEqual({ method: 'POST', path: '/admin/databases/spawn/shop', body: { engine: 'duckdb', max_result_rows: 50 } });
    await waitFor(() => expect(result.current.list.data).toEqual([sampleDatabase]));
    await act(async () => {
      created = await result.current.create.mutateAsync({ name: 'old', options: {} });
    });
    expect(created).toMatchObject({ db_name: 'old', created: false });
  });

  it('surface the gateway’s refusal of a create as an ApiError with its message', async () => {
    fakeGateway({
      'POST /admin/databases/spawn/Shop': () => envelope(409, 'CONFLICT', "A database named 'shop' already exists; names are unique regardless of case."),
    });
    const { result } = renderHook(() => useDatabaseCreateMutation(), { wrapper: withClient(testQueryClient()) });
    await act(async () => {
      await result.current.mutateAsync({ name: 'Shop', options: {} }).catch(() => undefined);
    });
    await waitFor(() => expect(result.current.error).toMatchObject({ status: 409, code: 'CONFLICT', message: expect.stringContaining('regardless of case') }));
  });

  it('prune: drop everything cached about the database and refresh the list', async () => {
    const gw = fakeGateway({
      'GET /admin/databases': () => ({ status: 200, body: [] }),
      'GET /admin/databases/shop': () => ({ status: 200, body: sampleDatabase }),
      'GET /api/db/shop/tables': () => ({ status: 200, body: { tables: [] } }),
      'POST /admin/databases/prune/shop': () => ({ status: 200, body: { message: 'Database instance pruned successfully.', db_name: 'shop' } }),
    });
    const client = testQueryClient();
    const wrapper = withClient(client);
    const detail = renderHook(() => ({ info: useDatabaseQuery('shop'), tables: useTablesQuery('shop') }), { wrapper });
    await waitFor(() => expect(detail.result.current.tables.isSuccess && detail.result.current.info.isSuccess).toBe(true));
    detail.unmount();
    const { result } = renderHook(() => useDatabasePruneMutation(), { wrapper });
    await act(async () => {
      await result.current.mutateAsync('shop');
    });
    expect(client.getQueryData(databaseKeys.detail('shop'))).toBeUndefined();
    expect(client.getQueryData(tableKeys.list('shop'))).toBeUndefined();
    expect(gw.calls.map((c) => `${c.method} ${c.path}`)).toContain('POST /admin/databases/prune/shop');
  });

  it('send the user to sign in when the session is gone (401)', async () => {
    fakeGateway({ 'GET /admin/databases': () => envelope(401, 'UNAUTHORIZED', 'Sign in to continue.') });
    const onUnauthorized = vi.fn();
    const { result } = renderHook(() => useDatabasesQuery(), { wrapper: withClient(testQueryClient(onUnauthorized)) });
    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });
});

describe('the SQL hook', () => {
  it('refreshes the tables after a statement that returns no rows, and not after a SELECT', async () => {
    let tableCalls = 0;
    fakeGateway({
      'GET /api/db/shop/tables': () => {
        tableCalls++;
        return { status: 200, body: { tables: [] } };
      },
      'GET /admin/databases/shop': () => ({ status: 200, body: sampleDatabase }),
      'POST /api/db/shop/query': (call) =>
        (call.body as { sql: string }).sql.startsWith('SELECT')
          ? { status: 200, body: { data: [{ one: 1 }], rows_affected: 1, columns: [{ name: 'one', type: 'INTEGER' }], duration_ms: 0.1, truncated: false } }
          : { status: 200, body: { message: 'Query executed successfully.', rows_affected: 0, last_insert_rowid: 0, duration_ms: 0.2 } },
    });
    const { result } = renderHook(() => ({ tables: useTablesQuery('shop'), run: useSqlExecuteMutation('shop') }), {
      wrapper: withClient(testQueryClient()),
    });
    await waitFor(() => expect(result.current.tables.isSuccess).toBe(true));
    expect(tableCalls).toBe(1);
    await act(async () => {
      await result.current.run.mutateAsync('SELECT 1 AS one');
    });
    expect(tableCalls).toBe(1);
    await act(async () => {
      await result.current.run.mutateAsync('CREATE TABLE t (v TEXT)');
    });
    await waitFor(() => expect(tableCalls).toBe(2));
  });
});

describe('tenant query keys', () => {
  it('nest members and API keys under their tenant, so refreshing a tenant refreshes both', () => {
    expect(tenantKeys.list()).toEqual(['tenants', 'list']);
    expect(tenantKeys.members('acme').slice(0, 3)).toEqual(tenantKeys.detail('acme'));
    expect(tenantKeys.apiKeys('acme').slice(0, 3)).toEqual(tenantKeys.detail('acme'));
  });
});

describe('tenant hooks', () => {
  it('ask who-am-I again after a change of members, which may be a change of the caller’s own role', async () => {
    let meCalls = 0;
    fakeGateway({
      'GET /auth/me': () => {
        meCalls++;
        return { status: 200, body: { kind: 'user', id: 'u1', platform_admin: false, tenants: [{ id: 'acme', role: 'owner' }] } };
      },
      'PUT /admin/tenants/acme/members': () => ({ status: 200, body: { user_id: 'u1', email: 'o@acme.example', role: 'owner', created_at: 'then' } }),
    });
    const { result } = renderHook(() => ({ me: useMeQuery(), put: useMemberPutMutation() }), { wrapper: withClient(testQueryClient()) });
    await waitFor(() => expect(result.current.me.isSuccess).toBe(true));
    let outcome: Awaited<ReturnType<typeof result.current.put.mutateAsync>> | undefined;
    await act(async () => {
      outcome = await result.current.put.mutateAsync({ tenant: 'acme', member: { email: 'o@acme.example', role: 'owner' } });
    });
    expect(outcome?.added).toBe(false);
    await waitFor(() => expect(meCalls).toBe(2));
  });
});
