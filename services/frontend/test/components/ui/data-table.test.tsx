import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DataTable, type Column } from '@/components/ui/data-table';

interface Fruit {
  name: string;
  origin: string;
  weight: number;
}

const columns: Column<Fruit>[] = [
  { header: 'Name', cell: (fruit) => fruit.name },
  { header: 'Origin', className: 'max-w-20 truncate', title: (fruit) => fruit.origin, cell: (fruit) => fruit.origin },
  { header: 'Weight', numeric: true, cell: (fruit) => `${fruit.weight} g` },
  { header: 'Actions', hideHeader: true, cell: (fruit) => <button type="button">Eat {fruit.name}</button> },
];
const fruits: Fruit[] = [
  { name: 'pear', origin: 'Asia Minor and the Caucasus', weight: 180 },
  { name: 'fig', origin: 'Western Asia', weight: 50 },
];

describe('DataTable', () => {
  it('is a table named by its caption, with a column header per column and a row per item in the order given', () => {
    render(<DataTable caption="Fruits" columns={columns} rows={fruits} rowKey={(fruit) => fruit.name} />);
    const table = screen.getByRole('table', { name: 'Fruits' });
    expect(within(table).getAllByRole('columnheader').map((th) => th.textContent)).toEqual(['Name', 'Origin', 'Weight', 'Actions']);
    expect(within(table).getByRole('columnheader', { name: 'Actions' }).firstElementChild).toHaveClass('sr-only');
    expect(within(table).getAllByRole('rowheader').map((th) => th.textContent)).toEqual(['pear', 'fig']);
  });

  it('names each row by its first cell, and fills the others from their columns', () => {
    render(<DataTable caption="Fruits" columns={columns} rows={fruits} rowKey={(fruit) => fruit.name} />);
    const row = screen.getByRole('rowheader', { name: 'fig' }).closest('tr')!;
    const cells = within(row).getAllByRole('cell');
    expect(cells.map((td) => td.textContent)).toEqual(['Western Asia', '50 g', 'Eat fig']);
    expect(cells[0]).toHaveAttribute('title', 'Western Asia');
    expect(cells[1]).toHaveClass('text-right', 'tabular-nums');
    expect(screen.getByRole('columnheader', { name: 'Weight' })).toHaveClass('text-right');
  });
});
