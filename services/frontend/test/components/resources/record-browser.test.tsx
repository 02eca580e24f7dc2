import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecordBrowser } from '@/components/resources/record-browser';
import { fakeGateway, testQueryClient, withClient } from '../../support/fake-console';
import { customers, resourceSchema } from '../../support/resources';

afterEach(() => vi.unstubAllGlobals());

const row = (id: number, name: string) => ({ id, name, email: `${name.toLowerCase()}@example.com`, status: 'lead', secret: undefined, vip: false });

function gateway() {
  return fakeGateway({
    'GET /api/db/crm/resources/customers': (call) =>
      call.path.includes('cursor=next-1')
        ? { status: 200, body: { data: [row(3, 'Grace')], has_more: false, next_cursor: null, total: 3 } }
        : { status: 200, body: { data: [row(1, 'Ada'), row(2, 'Alan')], has_more: true, next_cursor: 'next-1', total: 3 } },
    'DELETE /api/db/crm/resources/customers/2': () => ({ status: 204 }),
  });
}

function show(canWrite = true) {
  const Wrapper = withClient(testQueryClient());
  const resource = resourceSchema(customers);
  render(
    <Wrapper>
      <RecordBrowser database="crm" resource={resource} resources={[resource]} canWrite={canWrite} />
    </Wrapper>,
  );
  return userEvent.setup();
}

const lastList = (calls: { method: string; path: string }[]) => calls.filter((c) => c.method === 'GET').at(-1)!.path;

describe('the data browser of a resource', () => {
  it('shows the list_display columns, a page of per_page records with the total, and pages on with the cursor', async () => {
    const gw = gateway();
    const user = show();
    const table = await screen.findByRole('table', { name: 'Records of customers' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['id, sort', 'name, sort', 'email, sort', 'status, sort', 'Actions']);
    await within(table).findByRole('cell', { name: 'ada@example.com' });
    expect(gw.calls[0]!.path).toBe('/api/db/crm/resources/customers?limit=20&count=true');
    expect(screen.getByText('3 records · page 1')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Previous page' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Next page' }));
    await within(table).findByRole('cell', { name: 'grace@example.com' });
    expect(lastList(gw.calls)).toBe('/api/db/crm/resources/customers?limit=20&count=true&cursor=next-1');
    expect(screen.getByRole('button', { name: 'Next page' })).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Previous page' }));
    await within(table).findByRole('cell', { name: 'ada@example.com' });
  });

  it('searches with q, filters with the filters controls and sorts on a column, starting again from the first page', async () => {
    const gw = gateway();
    const user = show();
    await screen.findByRole('cell', { name: 'ada@example.com' });
    // search_fields names `notes`, which the API does not search: the hint says so.
    expect(screen.getByLabelText('Search')).toHaveAccessibleDescription('In name (not in notes: mark them searchable to include them).');
    await user.type(screen.getByLabelText('Search'), 'ad');
    await waitFor(() => expect(lastList(gw.calls)).toBe('/api/db/crm/resources/customers?q=ad&limit=20&count=true'));
    await user.selectOptions(screen.getByLabelText('status'), 'active');
    await user.selectOptions(screen.getByLabelText('vip'), 'true');
    await user.type(screen.getByLabelText('credit_limit from'), '100');
    await waitFor(() =>
      expect(lastList(gw.calls)).toBe('/api/db/crm/resources/customers?status=active&vip=true&credit_limit%5Bgte%5D=100&q=ad&limit=20&count=true'),
    );
    const header = screen.getByRole('columnheader', { name: 'name, sort' });
    await user.click(within(header).getByRole('button'));
    await waitFor(() => expect(lastList(gw.calls)).toContain('sort=name'));
    expect(screen.getByRole('columnheader', { name: 'name, sorted ascending' })).toHaveAttribute('aria-sort', 'ascending');
    await user.click(within(screen.getByRole('columnheader', { name: 'name, sorted ascending' })).getByRole('button'));
    await waitFor(() => expect(lastList(gw.calls)).toContain('sort=-name'));
  });

  it('deletes a record behind a confirmation, and links to its history', async () => {
    const gw = gateway();
    const user = show();
    await screen.findByRole('cell', { name: 'alan@example.com' });
    expect(screen.getByRole('link', { name: 'History of record 2' })).toHaveAttribute('href', '/databases/crm/events?resource=customers&record=2');
    await user.click(screen.getByRole('button', { name: 'Delete record 2' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Delete record 2 of customers?' });
    expect(gw.calls.some((c) => c.method === 'DELETE')).toBe(false);
    await user.click(within(confirm).getByRole('button', { name: 'Delete record' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(gw.calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/api/db/crm/resources/customers/2']);
    expect(screen.getByText('Record 2 deleted.')).toBeInTheDocument();
  });

  it('opens the generated form from “New record” and “Edit”, and offers neither, nor Delete, to a reader', async () => {
    gateway();
    const user = show();
    await screen.findByRole('cell', { name: 'ada@example.com' });
    await user.click(screen.getByRole('button', { name: 'New record' }));
    const dialog = await screen.findByRole('dialog', { name: 'New customers record' });
    expect(within(dialog).getByLabelText('name', { exact: true })).toHaveValue('');
    await user.keyboard('{Escape}');
    await user.click(screen.getByRole('button', { name: 'Edit record 1' }));
    expect(within(await screen.findByRole('dialog', { name: 'Edit customers 1' })).getByLabelText('name', { exact: true })).toHaveValue('Ada');
  });

  it('is read-only for a reader', async () => {
    gateway();
    show(false);
    await screen.findByRole('cell', { name: 'ada@example.com' });
    expect(screen.queryByRole('button', { name: 'New record' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Edit record 1' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete record 1' })).not.toBeInTheDocument();
  });
});
