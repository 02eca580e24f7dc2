import type { ReactNode } from 'react';
import { cn } from '@/lib/cn';

/** One column of a `DataTable`: its header, and what each row shows in it. */
export interface Column<Row> {
  /** The header's text, which names the column's cells to screen readers. */
  header: string;
  /** Leaves the header to screen readers (a column of buttons needs no visible title). */
  hideHeader?: boolean;
  /** Right-aligned with figures of equal width, so that sizes and counts line up. */
  numeric?: boolean;
  /** More classes for the column's cells (not its header). */
  className?: string;
  /** The cell's tooltip: the whole value, where the cell may cut it short. */
  title?: (row: Row) => string;
  cell: (row: Row) => ReactNode;
}

/**
 * A list as a table: a caption for screen readers, a header row, and a row per item. The first column's cells are row
 * headers (`<th scope="row">`), so that a screen reader names each row by its first value. Rows show in the order
 * given: sorting is the caller's.
 */
export function DataTable<Row>({
  caption,
  columns,
  rows,
  rowKey,
  className,
}: {
  /** The table's accessible name. */
  caption: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string;
  /** More classes for the frame, which scrolls a table wider than the page. */
  className?: string;
}) {
  return (
    <div className={cn('overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800', className)}>
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="border-b border-zinc-200 text-xs tracking-wide text-zinc-500 uppercase dark:border-zinc-800 dark:text-zinc-400">
          <tr>
            {columns.map((column) => (
              <th key={column.header} scope="col" className={cn('px-4 py-2', column.numeric && 'text-right', 'font-medium')}>
                {column.hideHeader ? <span className="sr-only">{column.header}</span> : column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((column, index) =>
                index === 0 ? (
                  <th key={column.header} scope="row" className={cn('px-4 py-2', column.className, 'font-medium')} title={column.title?.(row)}>
                    {column.cell(row)}
                  </th>
                ) : (
                  <td
                    key={column.header}
                    className={cn('px-4 py-2', column.numeric && 'text-right tabular-nums', column.className)}
                    title={column.title?.(row)}
                  >
                    {column.cell(row)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
