import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PruneDatabaseDialog } from '@/components/databases/prune-database-dialog';
import { envelope, fakeGateway, testQueryClient, withClient } from '../../support/fake-console';

afterEach(() => vi.unstubAllGlobals());

function open(onPruned = vi.fn()) {
  const Wrapper = withClient(testQueryClient());
  render(
    <Wrapper>
      <PruneDatabaseDialog name="shop" onPruned={onPruned} />
    </Wrapper>,
  );
  return { user: userEvent.setup(), onPruned };
}

describe('pruning a database', () => {
  it('asks for the name to be typed before it prunes', async () => {
    const gw = fakeGateway({
      'POST /admin/databases/prune/shop': () => ({ status: 200, body: { message: 'Database instance pruned successfully.', db_name: 'shop' } }),
      'GET /admin/databases': () => ({ status: 200, body: [] }),
    });
    const { user, onPruned } = open();
    await user.click(screen.getByRole('button', { name: 'Prune shop' }));
    expect(screen.getByRole('alertdialog', { name: 'Prune shop?' })).toBeInTheDocument();
    const confirm = screen.getByRole('button', { name: 'Prune database' });
    expect(confirm).toBeDisabled();
    await user.type(screen.getByLabelText('Database name'), 'sho');
    expect(confirm).toBeDisabled();
    await user.type(screen.getByLabelText('Database name'), 'p');
    expect(confirm).toBeEnabled();
    await user.click(confirm);
    await waitFor(() => expect(onPruned).toHaveBeenCalledWith('shop'));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(gw.calls.map((c) => `${c.method} ${c.path}`)).toContain('POST /admin/databases/prune/shop');
  });

  it('shows the gateway’s error and keeps the dialog open', async () => {
    fakeGateway({ 'POST /admin/databases/prune/shop': () => envelope(404, 'NOT_FOUND', 'Database not found.') });
    const { user, onPruned } = open();
    await user.click(screen.getByRole('button', { name: 'Prune shop' }));
    await user.type(screen.getByLabelText('Database name'), 'shop');
    await user.click(screen.getByRole('button', { name: 'Prune database' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Database not found.');
    expect(onPruned).not.toHaveBeenCalled();
  });
});
