import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { EventDiff } from '@/components/events/event-diff';

const rows = () => screen.getAllByRole('row').slice(1);
const cells = (row: HTMLElement) => [within(row).getByRole('rowheader'), ...within(row).queryAllByRole('cell')].map((c) => c.textContent);

describe('an event’s before/after diff', () => {
  it('shows an update’s changed fields, highlighted with their old and new value, and the unchanged ones on request', async () => {
    render(
      <EventDiff
        event={{
          id: 42,
          op: 'update',
          before: { id: 7, name: 'Ada', status: 'lead', email: '[masked]', note: 'x', tier: null },
          after: { id: 7, name: 'Ada', status: 'active', email: '[masked]', note: null, tier: null, score: 3 },
        }}
      />,
    );
    expect(screen.getByRole('table', { name: 'Fields changed by event 42' })).toBeInTheDocument();
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Field', 'Before', 'After']);
    expect(rows().map(cells)).toEqual([
      ['statuschanged', 'was lead', 'now active'],
      ['notechanged', 'was x', 'now null'],
      ['scoreadded', 'was —', 'now 3'],
    ]);
    expect(rows().every((row) => row.dataset.change !== 'unchanged')).toBe(true);
    expect(rows()[0]).toHaveAttribute('data-change', 'changed');

    await userEvent.click(screen.getByRole('button', { name: 'Show 4 unchanged fields' }));
    expect(rows().map((row) => row.dataset.change)).toEqual(['unchanged', 'unchanged', 'changed', 'unchanged', 'changed', 'unchanged', 'added']);
    expect(cells(rows()[3]!)).toEqual(['email', '[masked]', '[masked]']);
    expect(screen.getByRole('button', { name: 'Hide unchanged fields' })).toHaveAttribute('aria-expanded', 'true');
  });

  it('shows the record a create made, and the record a delete removed', () => {
    const { unmount } = render(<EventDiff event={{ id: 1, op: 'create', before: null, after: { id: 1, name: 'Ada', tags: [1, 2] } }} />);
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Field', 'After']);
    expect(rows().map(cells)).toEqual([
      ['id', '1'],
      ['name', 'Ada'],
      ['tags', '[1,2]'],
    ]);
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
    unmount();
    render(<EventDiff event={{ id: 2, op: 'delete', before: { id: 1, name: 'Ada' }, after: null }} />);
    expect(screen.getByRole('table', { name: 'Record deleted by event 2' })).toBeInTheDocument();
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Field', 'Before']);
    expect(rows().map(cells)).toEqual([
      ['id', '1'],
      ['name', 'Ada'],
    ]);
  });
});
