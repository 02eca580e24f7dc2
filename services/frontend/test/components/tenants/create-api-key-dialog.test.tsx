import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CreateApiKeyDialog } from '@/components/tenants/create-api-key-dialog';
import { envelope, fakeGateway, testQueryClient, withClient } from '../../support/fake-console';

afterEach(() => vi.unstubAllGlobals());

const SECRET = 'dbf_abcdefabcdef_thesecretpartofthekey0123456789';
const created = {
  key: {
    id: 'abcdefabcdef',
    name: 'reporting',
    tenant_id: 'acme',
    database: 'orders',
    scope: 'read_only',
    prefix: 'dbf_abcdefabcdef',
    created_at: '2026-11-23T10:00:00.000Z',
    created_by: 'user:u1',
    expires_at: null,
    revoked_at: null,
    last_used_at: null,
  },
  secret: SECRET,
};

function open() {
  const client = testQueryClient();
  const Wrapper = withClient(client);
  const onCreated = vi.fn();
  render(
    <Wrapper>
      <CreateApiKeyDialog tenant="acme" databases={['orders', 'stock']} scopes={['admin', 'read_write', 'read_only']} onCreated={onCreated} />
    </Wrapper>,
  );
  return { user: userEvent.setup(), client, onCreated };
}

describe('the New API key dialog', () => {
  it('creates a key limited to a database and shows its secret once, with a warning and a copy button', async () => {
    const gw = fakeGateway({
      'POST /admin/tenants/acme/keys': () => ({ status: 201, body: created }),
      'GET /admin/tenants/acme/keys': () => ({ status: 200, body: [created.key] }),
    });
    const { user, client, onCreated } = open();
    await user.click(screen.getByRole('button', { name: 'New API key' }));
    const form = screen.getByRole('dialog', { name: 'New API key' });
    expect(within(form).getByLabelText('Scope')).toHaveValue('read_only');
    await user.type(within(form).getByLabelText('Name'), 'reporting');
    await user.selectOptions(within(form).getByLabelText('Database'), 'orders');
    await user.click(within(form).getByRole('button', { name: 'Create key' }));

    const shown = await screen.findByRole('dialog', { name: 'API key created' });
    expect(within(shown).getByLabelText('API key for reporting')).toHaveValue(SECRET);
    expect(within(shown).getByRole('alert')).toHaveTextContent('You won’t see it again');
    expect(within(shown).getByRole('button', { name: 'Copy key' })).toBeInTheDocument();
    expect(gw.calls.find((c) => c.method === 'POST')).toEqual({
      method: 'POST',
      path: '/admin/tenants/acme/keys',
      body: { name: 'reporting', scope: 'read_only', database: 'orders' },
    });
    expect(onCreated).toHaveBeenCalledWith('reporting');
    // The secret is in the dialog only: the list the console caches carries none.
    expect(JSON.stringify(client.getQueryCache().getAll().map((q) => q.state.data))).not.toContain('thesecretpart');

    await user.click(within(shown).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(document.body.innerHTML).not.toContain('thesecretpart');
    // Nor does the mutation cache keep it once the dialog let go of it.
    await waitFor(() => expect(JSON.stringify(client.getMutationCache().getAll().map((m) => m.state.data)) ?? '').not.toContain('thesecretpart'));

    // Opening the dialog again starts a new key; the old secret is not shown again.
    await user.click(screen.getByRole('button', { name: 'New API key' }));
    expect(screen.getByRole('dialog', { name: 'New API key' })).toBeInTheDocument();
    expect(within(screen.getByRole('dialog')).getByLabelText('Name')).toHaveValue('');
  });

  it('copies the secret to the clipboard and says so', async () => {
    fakeGateway({
      'POST /admin/tenants/acme/keys': () => ({ status: 201, body: created }),
      'GET /admin/tenants/acme/keys': () => ({ status: 200, body: [created.key] }),
    });
    const { user } = open();
    const writeText = vi.spyOn(navigator.clipboard, 'writeText');
    await user.click(screen.getByRole('button', { name: 'New API key' }));
    await user.type(screen.getByLabelText('Name'), 'reporting');
    await user.click(screen.getByRole('button', { name: 'Create key' }));
    await user.click(await screen.findByRole('button', { name: 'Copy key' }));
    expect(writeText).toHaveBeenCalledWith(SECRET);
    expect(await screen.findByText('Copied to the clipboard.')).toBeInTheDocument();
  });

  it('checks the name and the expiry, and shows the gateway’s refusal in its words', async () => {
    const gw = fakeGateway({
      'POST /admin/tenants/acme/keys': () => envelope(403, 'FORBIDDEN', 'ada@example.com may not manage the API keys of tenant \'acme\'.'),
    });
    const { user } = open();
    await user.click(screen.getByRole('button', { name: 'New API key' }));
    await user.click(screen.getByRole('button', { name: 'Create key' }));
    expect(screen.getByLabelText('Name')).toHaveAccessibleDescription(expect.stringContaining('Enter a name.'));
    await user.type(screen.getByLabelText('Name'), 'ci');
    await user.type(screen.getByLabelText('Expires (optional)'), '2020-01-01T00:00');
    await user.click(screen.getByRole('button', { name: 'Create key' }));
    expect(screen.getByLabelText('Expires (optional)')).toHaveAccessibleDescription(expect.stringContaining('Choose a time in the future.'));
    expect(gw.calls).toEqual([]);

    await user.clear(screen.getByLabelText('Expires (optional)'));
    await user.click(screen.getByRole('button', { name: 'Create key' }));
    expect(await screen.findByRole('alert')).toHaveTextContent("may not manage the API keys of tenant 'acme'");
    expect(screen.getByRole('dialog', { name: 'New API key' })).toBeInTheDocument();
  });
});
