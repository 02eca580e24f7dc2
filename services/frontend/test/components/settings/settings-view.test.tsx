import type { WhoAmI } from '@dbforge/contracts';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SettingsView } from '@/components/settings/settings-view';
import { envelope, fakeGateway, sampleDatabase, testQueryClient, withClient, type FakeCall } from '../../support/fake-console';
import { customers, resourceSchema, schemaReply } from '../../support/resources';

vi.mock('next/navigation', () => ({ useRouter: () => ({ push: vi.fn() }) }));
afterEach(() => vi.unstubAllGlobals());

const member = (role: string): WhoAmI => ({ kind: 'user', id: 'u1', email: 'u@acme.example', platform_admin: false, tenants: [{ id: 'acme', role }] });
const key = (id: string, name: string, database: string | null) => ({
  id,
  name,
  tenant_id: 'acme',
  database,
  scope: 'read_only',
  prefix: `dbf_${id}`,
  created_at: '2026-11-23T09:00:00.000Z',
  created_by: 'user:u1',
  expires_at: null,
  revoked_at: null,
  last_used_at: null,
});
const hook = { database: 'crm', hook: 'notify_sales', url: 'https://hooks.example.com/sales', created_at: '2026-11-23T09:00:00.000Z', updated_at: '2026-11-23T09:00:00.000Z' };
const SECRET = 'dbf_newkey000000_thesecretpartofthekey';
const HOOK_SECRET = 'generated-signing-secret-0123456789';

type Handler = (call: FakeCall) => { status: number; body?: unknown };

function gateway(who: WhoAmI, more: Record<string, Handler> = {}) {
  const hooked = { ...customers, hooks: { after_create: ['notify_sales', 'verify_customer'] } };
  return fakeGateway({
    'GET /auth/me': () => ({ status: 200, body: who }),
    'GET /admin/databases/crm': () => ({ status: 200, body: { ...sampleDatabase, name: 'crm', tenant: 'acme' } }),
    'GET /admin/databases/crm/logs': () => ({ status: 200, body: { db_name: 'crm', lines: [] } }),
    'GET /admin/tenants/acme/keys': () => ({ status: 200, body: [key('aaaaaaaaaaaa', 'crm app', 'crm'), key('bbbbbbbbbbbb', 'other app', 'shop'), key('cccccccccccc', 'everything', null)] }),
    'GET /admin/databases/crm/webhooks': () => ({ status: 200, body: { webhooks: [hook] } }),
    'GET /api/db/crm/schema': () => ({ status: 200, body: schemaReply([resourceSchema(hooked)]) }),
    ...more,
  });
}

function show() {
  const Wrapper = withClient(testQueryClient());
  render(
    <Wrapper>
      <SettingsView database="crm" />
    </Wrapper>,
  );
  return userEvent.setup();
}

describe('a database’s settings: API keys', () => {
  it('lists the tenant’s keys limited to this database, and creates one limited to it, its secret shown once', async () => {
    const gw = gateway(member('owner'), {
      'POST /admin/tenants/acme/keys': (call) => ({ status: 201, body: { key: { ...key('dddddddddddd', 'reports', 'crm'), ...(call.body as object) }, secret: SECRET } }),
    });
    const user = show();
    const card = await screen.findByRole('region', { name: 'API keys' });
    await within(card).findByRole('rowheader', { name: 'crm app' });
    expect(within(card).queryByText('other app')).not.toBeInTheDocument();
    expect(within(card).queryByText('everything')).not.toBeInTheDocument();

    await user.click(within(card).getByRole('button', { name: 'New API key' }));
    const dialog = await screen.findByRole('dialog', { name: 'New API key' });
    // No choice of database: a key made here reaches this database only.
    expect(within(dialog).queryByLabelText('Database')).not.toBeInTheDocument();
    expect(dialog).toHaveTextContent('crm: the key reaches nothing else of the tenant.');
    await user.type(within(dialog).getByLabelText('Name'), 'reports');
    await user.click(within(dialog).getByRole('button', { name: 'Create key' }));
    const shown = await screen.findByRole('dialog', { name: 'API key created' });
    expect(within(shown).getByLabelText('API key for reports')).toHaveValue(SECRET);
    expect(within(shown).getByRole('button', { name: 'Copy key' })).toBeInTheDocument();
    expect(gw.calls.find((c) => c.method === 'POST')).toEqual({ method: 'POST', path: '/admin/tenants/acme/keys', body: { name: 'reports', scope: 'read_only', database: 'crm' } });
    await user.click(within(shown).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(document.body.innerHTML).not.toContain('thesecretpart');
  });

  it('hides keys (owners only) and prune from a developer, but lets them set webhooks', async () => {
    gateway(member('developer'));
    show();
    const card = await screen.findByRole('region', { name: 'API keys' });
    expect(card).toHaveTextContent('Only the owners of the database’s tenant see and manage its API keys.');
    expect(within(card).queryByRole('button')).not.toBeInTheDocument();
    const hooks = screen.getByRole('region', { name: 'Webhooks' });
    await within(hooks).findByRole('rowheader', { name: 'notify_sales' });
    expect(within(hooks).getByRole('button', { name: 'New webhook' })).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Danger zone' })).not.toBeInTheDocument();
  });

  it('shows a viewer no key, webhook or prune controls', async () => {
    const gw = gateway(member('viewer'));
    show();
    const hooks = await screen.findByRole('region', { name: 'Webhooks' });
    expect(hooks).toHaveTextContent('Only owners and developers of the database’s tenant see and set its webhooks.');
    expect(screen.queryByRole('button', { name: 'New API key' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'New webhook' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Prune/ })).not.toBeInTheDocument();
    // Nothing is asked that the gateway would refuse.
    expect(gw.calls.some((c) => c.path.includes('/keys') || c.path.includes('/webhooks'))).toBe(false);
  });
});

describe('a database’s settings: webhooks', () => {
  it('lists the webhooks with their URL and dates, and the hooks that have none', async () => {
    gateway(member('owner'));
    show();
    const hooks = await screen.findByRole('region', { name: 'Webhooks' });
    const row = (await within(hooks).findByRole('rowheader', { name: 'notify_sales' })).closest('tr')!;
    expect(row).toHaveTextContent('https://hooks.example.com/sales');
    expect(within(row).getAllByRole('cell').filter((c) => c.querySelector('time'))).toHaveLength(2);
    expect(hooks).toHaveTextContent('Hooks without a webhook (skipped): verify_customer');
  });

  it('sets a webhook without a secret and shows the generated one once', async () => {
    const gw = gateway(member('owner'), {
      'PUT /admin/databases/crm/webhooks/verify_customer': (call) => ({
        status: 201,
        body: { ...hook, hook: 'verify_customer', url: (call.body as { url: string }).url, secret: HOOK_SECRET },
      }),
    });
    const user = show();
    const hooks = await screen.findByRole('region', { name: 'Webhooks' });
    await within(hooks).findByText(/verify_customer/);
    await user.click(within(hooks).getByRole('button', { name: 'New webhook' }));
    const dialog = await screen.findByRole('dialog', { name: 'New webhook' });
    // The hook that has no webhook is suggested.
    expect(within(dialog).getByLabelText('Hook')).toHaveValue('verify_customer');
    await user.click(within(dialog).getByRole('button', { name: 'Save webhook' }));
    expect(within(dialog).getByLabelText('URL')).toHaveAccessibleDescription(expect.stringContaining('Enter the URL that receives the calls.'));
    await user.type(within(dialog).getByLabelText('URL'), 'https://hooks.example.com/verify');
    await user.click(within(dialog).getByRole('button', { name: 'Save webhook' }));

    const shown = await screen.findByRole('dialog', { name: 'Webhook set' });
    expect(within(shown).getByLabelText('Signing secret for verify_customer')).toHaveValue(HOOK_SECRET);
    expect(within(shown).getByRole('alert')).toHaveTextContent('This is the only time you will see this signing secret.');
    expect(within(shown).getByRole('button', { name: 'Copy secret' })).toBeInTheDocument();
    expect(gw.calls.find((c) => c.method === 'PUT')!.body).toEqual({ url: 'https://hooks.example.com/verify' });
    await user.click(within(shown).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(document.body.innerHTML).not.toContain(HOOK_SECRET);
    expect(screen.getByText('Webhook verify_customer set.')).toBeInTheDocument();
  });

  it('changes a webhook with a secret of one’s own (nothing to show), and shows the gateway’s refusal at its field', async () => {
    let refuse = true;
    const gw = gateway(member('owner'), {
      'PUT /admin/databases/crm/webhooks/notify_sales': (call) =>
        refuse
          ? envelope(422, 'VALIDATION_ERROR', 'Validation failed', [{ field: 'body.url', message: 'must not contain credentials' }])
          : { status: 200, body: { ...hook, url: (call.body as { url: string }).url } },
    });
    const user = show();
    const hooks = await screen.findByRole('region', { name: 'Webhooks' });
    await user.click(await within(hooks).findByRole('button', { name: 'Change webhook notify_sales' }));
    const dialog = await screen.findByRole('dialog', { name: 'Change webhook notify_sales' });
    expect(within(dialog).getByLabelText('Hook')).toHaveAttribute('readonly');
    await user.clear(within(dialog).getByLabelText('URL'));
    await user.type(within(dialog).getByLabelText('URL'), 'https://user:pw@hooks.example.com/x');
    await user.type(within(dialog).getByLabelText('Secret (optional)'), 'short');
    await user.click(within(dialog).getByRole('button', { name: 'Save webhook' }));
    expect(within(dialog).getByLabelText('Secret (optional)')).toHaveAccessibleDescription(expect.stringContaining('at least 16 characters'));
    expect(gw.calls.some((c) => c.method === 'PUT')).toBe(false);
    await user.type(within(dialog).getByLabelText('Secret (optional)'), '-made-longer-now');
    await user.click(within(dialog).getByRole('button', { name: 'Save webhook' }));
    expect(await within(dialog).findByText('must not contain credentials')).toBeInTheDocument();
    refuse = false;
    await user.clear(within(dialog).getByLabelText('URL'));
    await user.type(within(dialog).getByLabelText('URL'), 'https://hooks.example.com/new');
    await user.click(within(dialog).getByRole('button', { name: 'Save webhook' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(gw.calls.filter((c) => c.method === 'PUT').at(-1)!.body).toEqual({ url: 'https://hooks.example.com/new', secret: 'short-made-longer-now' });
    expect(screen.getByText('Webhook notify_sales changed.')).toBeInTheDocument();
  });

  it('deletes a webhook behind a confirmation', async () => {
    const gw = gateway(member('owner'), {
      'DELETE /admin/databases/crm/webhooks/notify_sales': () => ({ status: 200, body: { message: "Webhook 'notify_sales' removed." } }),
    });
    const user = show();
    const hooks = await screen.findByRole('region', { name: 'Webhooks' });
    await user.click(await within(hooks).findByRole('button', { name: 'Delete webhook notify_sales' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Delete the webhook of notify_sales?' });
    await user.click(within(confirm).getByRole('button', { name: 'Delete webhook' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(gw.calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/admin/databases/crm/webhooks/notify_sales']);
  });
});
