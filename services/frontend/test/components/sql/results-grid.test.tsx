import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultsGrid, ROW_HEIGHT } from '@/components/sql/results-grid';

const columns = [
  { name: 'id', type: 'INTEGER' },
  { name: 'email', type: 'TEXT' },
  { name: 'score', type: 'REAL' },
];
const rows = Array.from({ length: 10_000 }, (_, i) => ({ id: i + 1, email: `user${i + 1}@example.com`, score: i % 7 === 0 ? null : i / 2 }));

// jsdom does no layout: give the grid the size it would have on screen (400 px tall, 900 px wide, room to scroll).
const viewport = { clientHeight: 400, clientWidth: 900, scrollHeight: 10_001 * ROW_HEIGHT + 40 };
const saved: Record<string, PropertyDescriptor | undefined> = {};
const savedScrollTo = HTMLElement.prototype.scrollTo;
beforeAll(() => {
  // jsdom does not scroll: do what a browser does, move, then tell the listeners in a later task.
  HTMLElement.prototype.scrollTo = function scrollTo(this: HTMLElement, options?: ScrollToOptions | number) {
    if (typeof options === 'object' && options.top !== undefined) this.scrollTop = options.top;
    setTimeout(() => this.dispatchEvent(new Event('scroll')), 0);
  } as typeof HTMLElement.prototype.scrollTo;
  for (const [prop, value] of Object.entries(viewport)) {
    saved[prop] = Object.getOwnPropertyDescriptor(HTMLElement.prototype, prop);
    Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => value });
  }
});
afterAll(() => {
  HTMLElement.prototype.scrollTo = savedScrollTo;
  for (const [prop, descriptor] of Object.entries(saved)) if (descriptor) Object.defineProperty(HTMLElement.prototype, prop, descriptor);
});

const renderedRows = () => within(screen.getByRole('grid')).getAllByRole('row').slice(1);

describe('the results grid', () => {
  it('names its columns in the header, with their types', () => {
    render(<ResultsGrid columns={columns} rows={rows.slice(0, 3)} />);
    const headers = screen.getAllByRole('columnheader');
    expect(headers.map((h) => h.getAttribute('aria-label'))).toEqual(['id', 'email', 'score']);
    expect(screen.getByRole('columnheader', { name: 'email' })).toHaveTextContent('TEXT');
    expect(screen.getByRole('columnheader', { name: 'email' })).toHaveAccessibleDescription('type TEXT');
  });

  it('renders only the rows in view of 10,000, and tells assistive technology how many there are', () => {
    render(<ResultsGrid columns={columns} rows={rows} />);
    const grid = screen.getByRole('grid', { name: 'Query results' });
    expect(grid).toHaveAttribute('aria-rowcount', '10001');
    const visible = renderedRows();
    expect(visible.length).toBeGreaterThan(10);
    expect(visible.length).toBeLessThan(60);
    expect(visible[0]).toHaveAttribute('aria-rowindex', '2');
    expect(within(visible[0]!).getAllByRole('gridcell').map((c) => c.textContent)).toEqual(['1', 'user1@example.com', 'NULL']);
  });

  it('renders the rows further down when scrolled, still only a window of them', () => {
    render(<ResultsGrid columns={columns} rows={rows} />);
    const grid = screen.getByRole('grid');
    act(() => {
      grid.scrollTop = 9_000 * ROW_HEIGHT;
      fireEvent.scroll(grid);
    });
    const visible = renderedRows();
    expect(visible.length).toBeLessThan(60);
    expect(visible.some((row) => row.getAttribute('aria-rowindex') === String(9_001 + 1))).toBe(true);
    expect(visible.some((row) => row.getAttribute('aria-rowindex') === '2')).toBe(false);
  });

  it('moves the active cell with the keyboard, to the last row and back', async () => {
    render(<ResultsGrid columns={columns} rows={rows} />);
    const grid = screen.getByRole('grid');
    grid.focus();
    const activeCell = () => document.getElementById(grid.getAttribute('aria-activedescendant') ?? '');
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    expect(activeCell()).toHaveTextContent('1');
    fireEvent.keyDown(grid, { key: 'ArrowRight' });
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    expect(activeCell()).toHaveTextContent('user2@example.com');
    fireEvent.keyDown(grid, { key: 'End', ctrlKey: true });
    // The last row is rendered once the grid has scrolled to it.
    await waitFor(() => expect(activeCell()).toHaveTextContent('4999.5'));
    expect(activeCell()).toHaveAttribute('aria-selected', 'true');
    fireEvent.keyDown(grid, { key: 'Home', ctrlKey: true });
    await waitFor(() => expect(activeCell()).toHaveTextContent('1'));
  });

  it('shows NULL apart from an empty string, and objects as JSON', () => {
    render(<ResultsGrid columns={[{ name: 'a', type: '' }, { name: 'b', type: '' }, { name: 'c', type: 'JSON' }]} rows={[{ a: null, b: '', c: { x: 1 } }]} />);
    const cells = within(renderedRows()[0]!).getAllByRole('gridcell');
    expect(cells.map((c) => c.textContent)).toEqual(['NULL', '', '{"x":1}']);
  });
});
