import type { WhoAmI } from '@dbforge/contracts';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TenantView } from '@/components/tenants/tenant-view';
import { envelope, fakeGateway, testQueryClient, withClient, type FakeCall } from '../../support/fake-console';

vi.mock('next/navigation', () => ({ useRouter: () => ({ push: vi.fn() }) }));
afterEach(() => vi.unstubAllGlobals());

const tenant = {
  id: 'acme',
  name: 'Acme Corp',
  quotas: { max_databases: 10, max_database_bytes: 512 * 1024 * 1024, requests_per_second: null },
  created_at: '2026-11-23T09:00:00.000Z',
};
const members = [
  { user_id: 'u1', email: 'owner@acme.example', role: 'owner', created_at: '2026-11-23T09:00:00.000Z' },
  { user_id: 'u2', email: 'dev@acme.example', role: 'developer', created_at: '2026-11-23T09:01:00.000Z' },
];
const db = (name: string, owner: string) => ({ ...{ name, tenant: owner, container_id: 'c', status: 'running', engine: 'sqlite', size_bytes: 1, created_at: '2026-11-23T09:00:00Z' }, settings: {} });

function me(role: string, extra: Partial<WhoAmI> = {}): WhoAmI {
  return { kind: 'user', id: 'u1', email: 'owner@acme.example', platform_admin: false, tenants: [{ id: 'acme', role }], ...extra };
}

function gateway(who: WhoAmI, more: Record<string, (call: FakeCall) => { status: number; body?: unknown }> = {}) {
  return fakeGateway({
    'GET /auth/me': () => ({ status: 200, body: who }),
    'GET /admin/tenants/acme': () => ({ status: 200, body: tenant }),
    'GET /admin/tenants/acme/members': () => ({ status: 200, body: members }),
    'GET /admin/tenants/acme/keys': () => ({ status: 200, body: [] }),
    'GET /admin/databases': () => ({ status: 200, body: [db('orders', 'acme'), db('elsewhere', 'globex')] }),
    ...more,
  });
}

function show() {
  const Wrapper = withClient(testQueryClient());
  render(
    <Wrapper>
      <TenantView tenantId="acme" />
    </Wrapper>,
  );
  return userEvent.setup();
}

describe('a tenant’s page', () => {
  it('shows an owner every control, and the quotas read-only with sizes in words', async () => {
    gateway(me('owner'));
    show();
    const quotas = await screen.findByRole('region', { name: 'Quotas' });
    await within(quotas).findByText('512 MiB');
    expect(within(quotas).getByText('(1 in use)')).toBeInTheDocument();
    expect(within(quotas).queryByRole('spinbutton')).not.toBeInTheDocument();
    const memberList = screen.getByRole('region', { name: 'Members' });
    await within(memberList).findByRole('rowheader', { name: 'owner@acme.example (you)' });
    expect(within(memberList).getByRole('form', { name: 'Add member' })).toBeInTheDocument();
    expect(within(memberList).getByLabelText('Role of dev@acme.example')).toHaveValue('developer');
    expect(within(memberList).getByRole('button', { name: 'Remove dev@acme.example' })).toBeInTheDocument();
    const keys = screen.getByRole('region', { name: 'API keys' });
    expect(await within(keys).findByText('No API keys yet')).toBeInTheDocument();
    expect(within(keys).getByRole('button', { name: 'New API key' })).toBeEnabled();
    expect(screen.queryByRole('region', { name: 'Danger zone' })).not.toBeInTheDocument();
  });

  it('hides what a viewer may not do, and never asks for the keys it may not list', async () => {
    const gw = gateway(me('viewer'));
    show();
    const memberList = await screen.findByRole('region', { name: 'Members' });
    await within(memberList).findByRole('rowheader', { name: 'dev@acme.example' });
    expect(within(memberList).queryByRole('form')).not.toBeInTheDocument();
    expect(within(memberList).queryByRole('combobox')).not.toBeInTheDocument();
    expect(within(memberList).queryByRole('button')).not.toBeInTheDocument();
    expect(within(memberList).getByText('Only the tenant’s owners add, change and remove members.')).toBeInTheDocument();
    const keys = screen.getByRole('region', { name: 'API keys' });
    expect(within(keys).getByText('Only the tenant’s owners see and manage its API keys.')).toBeInTheDocument();
    expect(within(keys).queryByRole('button')).not.toBeInTheDocument();
    expect(gw.calls.some((c) => c.path.endsWith('/keys'))).toBe(false);
  });

  it('shows the gateway’s refusal of a role change and keeps the role it has', async () => {
    gateway(me('owner'), {
      'PUT /admin/tenants/acme/members': () => envelope(409, 'CONFLICT', "This is the tenant's last owner; make someone else an owner first."),
    });
    const user = show();
    const select = await screen.findByLabelText('Role of owner@acme.example');
    await user.selectOptions(select, 'viewer');
    expect(await screen.findByRole('alert')).toHaveTextContent("last owner; make someone else an owner first");
    expect(select).toHaveValue('owner');
  });

  it('offers owners no password: they add existing accounts', async () => {
    gateway(me('owner'));
    show();
    const form = await screen.findByRole('form', { name: 'Add member' });
    expect(within(form).queryByLabelText('Password (optional)')).toBeNull();
  });

  it('lets the platform admin add a member with a password (a new account) and says so', async () => {
    const gw = gateway(me('owner', { platform_admin: true }), {
      'PUT /admin/tenants/acme/members': () => ({ status: 201, body: { user_id: 'u9', email: 'new@acme.example', role: 'viewer', created_at: '2026-11-23T10:00:00Z' } }),
    });
    const user = show();
    const form = await screen.findByRole('form', { name: 'Add member' });
    await user.type(within(form).getByLabelText('Email'), 'new@acme.example');
    await user.selectOptions(within(form).getByLabelText('Role'), 'viewer');
    await user.type(within(form).getByLabelText('Password (optional)'), 'short');
    await user.click(within(form).getByRole('button', { name: 'Add member' }));
    expect(within(form).getByLabelText('Password (optional)')).toHaveAccessibleDescription(expect.stringContaining('At least 10 characters.'));
    await user.clear(within(form).getByLabelText('Password (optional)'));
    await user.type(within(form).getByLabelText('Password (optional)'), 'a long passphrase');
    await user.click(within(form).getByRole('button', { name: 'Add member' }));
    expect(await screen.findByText('new@acme.example added as viewer.')).toBeInTheDocument();
    expect(gw.calls.find((c) => c.method === 'PUT')?.body).toEqual({ email: 'new@acme.example', role: 'viewer', password: 'a long passphrase' });
  });

  it('lets the platform admin change quotas, sending only what changed, in bytes', async () => {
    const gw = gateway(
      { kind: 'admin', id: 'admin', platform_admin: true, tenants: [{ id: 'acme', role: 'owner' }] },
      { 'PATCH /admin/tenants/acme': (call) => ({ status: 200, body: { ...tenant, quotas: { ...tenant.quotas, ...(call.body as { quotas: object }).quotas } } }) },
    );
    const user = show();
    const quotas = await screen.findByRole('region', { name: 'Quotas' });
    const size = await within(quotas).findByLabelText('Max database size');
    expect(size).toHaveValue(512);
    expect(within(quotas).getByLabelText('Size unit')).toHaveValue('MiB');
    expect(within(quotas).getByRole('button', { name: 'Save quotas' })).toBeDisabled();
    await user.clear(size);
    await user.type(size, '2');
    await user.selectOptions(within(quotas).getByLabelText('Size unit'), 'GiB');
    expect(within(quotas).getByText('2.0 GiB per database')).toBeInTheDocument();
    await user.click(within(quotas).getByRole('button', { name: 'Save quotas' }));
    expect(await within(quotas).findByText('Quotas saved.')).toBeInTheDocument();
    expect(gw.calls.find((c) => c.method === 'PATCH')?.body).toEqual({ quotas: { max_database_bytes: 2 * 1024 ** 3 } });
    await waitFor(() => expect(within(quotas).getByLabelText('Size unit')).toHaveValue('GiB'));
    expect(screen.getByRole('region', { name: 'Danger zone' })).toBeInTheDocument();
  });

  it('says so when the tenant does not exist or is not the caller’s', async () => {
    gateway(me('owner'), { 'GET /admin/tenants/acme': () => envelope(404, 'NOT_FOUND', 'Tenant not found.') });
    show();
    expect(await screen.findByRole('alert')).toHaveTextContent('There is no tenant acme, or you are not one of its members.');
  });
});
