import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CreateDatabaseDialog, type TenantChoice } from '@/components/databases/create-database-dialog';
import { envelope, fakeGateway, testQueryClient, withClient } from '../../support/fake-console';

afterEach(() => vi.unstubAllGlobals());

function open(onCreated = vi.fn(), tenant?: TenantChoice) {
  const Wrapper = withClient(testQueryClient());
  render(
    <Wrapper>
      <CreateDatabaseDialog onCreated={onCreated} {...(tenant ? { tenant } : {})} />
    </Wrapper>,
  );
  return { user: userEvent.setup(), onCreated };
}

describe('the New database dialog', () => {
  it('checks the name against the gateway’s rule as you type', async () => {
    fakeGateway({});
    const { user } = open();
    await user.click(screen.getByRole('button', { name: 'New database' }));
    const dialog = screen.getByRole('dialog', { name: 'New database' });
    const name = screen.getByLabelText('Name');
    await user.type(name, 'bad..name');
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(name).toHaveAccessibleDescription(expect.stringContaining('Do not use “..” in a name.'));
    expect(screen.getByRole('button', { name: 'Create' })).toBeDisabled();
    await user.clear(name);
    await user.type(name, 'good.name');
    expect(name).not.toHaveAttribute('aria-invalid');
    expect(screen.getByRole('button', { name: 'Create' })).toBeEnabled();
    expect(dialog).toBeInTheDocument();
  });

  it('creates with the chosen engine and limits, then closes', async () => {
    const gw = fakeGateway({
      'POST /admin/databases/spawn/shop': () => ({ status: 201, body: { message: 'Database instance spawned successfully.', db_name: 'shop', container_id: 'abc' } }),
      'GET /admin/databases': () => ({ status: 200, body: [] }),
    });
    const { user, onCreated } = open();
    await user.click(screen.getByRole('button', { name: 'New database' }));
    await user.type(screen.getByLabelText('Name'), 'shop');
    await user.selectOptions(screen.getByLabelText('Engine'), 'duckdb');
    await user.type(screen.getByLabelText('Statement timeout (ms)'), '5000');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(onCreated).toHaveBeenCalledWith('shop');
    expect(gw.calls[0]).toEqual({ method: 'POST', path: '/admin/databases/spawn/shop', body: { engine: 'duckdb', statement_timeout_ms: 5000 } });
  });

  it('shows the gateway’s refusal in the dialog and stays open', async () => {
    const message = "A database named 'shop' already exists; names are unique regardless of case.";
    fakeGateway({ 'POST /admin/databases/spawn/Shop': () => envelope(409, 'CONFLICT', message) });
    const { user, onCreated } = open();
    await user.click(screen.getByRole('button', { name: 'New database' }));
    await user.type(screen.getByLabelText('Name'), 'Shop');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(message);
    expect(screen.getByRole('dialog', { name: 'New database' })).toBeInTheDocument();
    expect(onCreated).not.toHaveBeenCalled();
  });

  it('refuses a name that already exists, which the gateway answers with 200', async () => {
    fakeGateway({
      'POST /admin/databases/spawn/shop': () => ({ status: 200, body: { message: 'Database instance already exists and is running.', db_name: 'shop', container_id: 'abc' } }),
    });
    const { user } = open();
    await user.click(screen.getByRole('button', { name: 'New database' }));
    await user.type(screen.getByLabelText('Name'), 'shop');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('A database named shop already exists.');
  });

  it('checks limits against the gateway’s ranges before sending', async () => {
    const gw = fakeGateway({});
    const { user } = open();
    await user.click(screen.getByRole('button', { name: 'New database' }));
    await user.type(screen.getByLabelText('Name'), 'shop');
    const rows = screen.getByLabelText('Max result rows');
    await user.type(rows, '0');
    expect(rows).toHaveAccessibleDescription('Between 1 and 1,000,000.');
    expect(screen.getByRole('button', { name: 'Create' })).toBeDisabled();
    expect(gw.calls).toHaveLength(0);
  });

  it('asks no tenant of a caller in one tenant: the gateway picks their own', async () => {
    fakeGateway({});
    const { user } = open();
    await user.click(screen.getByRole('button', { name: 'New database' }));
    expect(screen.queryByLabelText('Tenant')).not.toBeInTheDocument();
  });

  it('puts the database in the tenant chosen, and asks for a choice when there is no obvious one', async () => {
    const gw = fakeGateway({
      'POST /admin/databases/spawn/shop': () => ({ status: 201, body: { message: 'Database instance spawned successfully.', db_name: 'shop', container_id: 'abc' } }),
      'GET /admin/databases': () => ({ status: 200, body: [] }),
    });
    const { user } = open(vi.fn(), { choices: ['acme', 'globex'], initial: '' });
    await user.click(screen.getByRole('button', { name: 'New database' }));
    const tenant = screen.getByLabelText('Tenant');
    expect(tenant).toHaveValue('');
    await user.type(screen.getByLabelText('Name'), 'shop');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(tenant).toHaveAccessibleDescription('Choose a tenant.');
    expect(gw.calls).toHaveLength(0);
    await user.selectOptions(tenant, 'globex');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(gw.calls[0]).toEqual({ method: 'POST', path: '/admin/databases/spawn/shop', body: { engine: 'sqlite', tenant: 'globex' } });
  });

  it('takes up the tenant choice when it arrives after the dialog opened', async () => {
    fakeGateway({});
    const Wrapper = withClient(testQueryClient());
    const { rerender } = render(
      <Wrapper>
        <CreateDatabaseDialog tenant={{ choices: [], initial: '' }} />
      </Wrapper>,
    );
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'New database' }));
    expect(screen.getByRole('option', { name: 'Loading tenants…' })).toBeInTheDocument();
    rerender(
      <Wrapper>
        <CreateDatabaseDialog tenant={{ choices: ['acme', 'default'], initial: 'default' }} />
      </Wrapper>,
    );
    expect(screen.getByLabelText('Tenant')).toHaveValue('default');
    expect(screen.queryByRole('option', { name: /Loading|Choose/ })).not.toBeInTheDocument();
  });
});
