'use client';

import { useVirtualizer } from '@tanstack/react-virtual';
import { useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { cellText } from '@/lib/format';
import { cn } from '@/lib/cn';

export interface GridColumn {
  name: string;
  type: string;
}

export interface ResultsGridProps {
  columns: readonly GridColumn[];
  rows: readonly Record<string, unknown>[];
  /** The grid's accessible name. */
  label?: string;
  /** Pixels at most; a short result takes only the height it needs. */
  maxHeight?: number;
  className?: string;
}

export const ROW_HEIGHT = 32;
const HEADER_HEIGHT = 40;
const MIN_WIDTH = 72;
const MAX_WIDTH = 420;
/**
 * Rows looked at, from each end, to size the columns: enough to be representative (the last rows of an ordered
 * result are often the widest), few enough to stay instant at 10,000 rows.
 */
const WIDTH_SAMPLE = 100;

/** Column widths in pixels, from the header and a sample of values. */
export function columnWidths(columns: readonly GridColumn[], rows: readonly Record<string, unknown>[]): number[] {
  const sample = rows.length <= 2 * WIDTH_SAMPLE ? rows : [...rows.slice(0, WIDTH_SAMPLE), ...rows.slice(-WIDTH_SAMPLE)];
  return columns.map((column) => {
    let chars = Math.max(column.name.length, column.type.length);
    for (const row of sample) chars = Math.max(chars, Math.min(cellText(row[column.name]).length, 60));
    return Math.min(Math.max(chars * 8 + 32, MIN_WIDTH), MAX_WIDTH);
  });
}

interface Position {
  row: number;
  col: number;
}

/**
 * A read-only ARIA grid that renders only the rows in view (TanStack Virtual), so 10,000 rows scroll as smoothly as
 * ten. Keyboard: the grid takes focus once, then the arrow keys, Home/End (with Ctrl for the corners) and
 * PageUp/PageDown move the active cell, which aria-activedescendant announces. Give each result its own `key` so
 * a new result starts without an active cell.
 */
export function ResultsGrid({ columns, rows, label = 'Query results', maxHeight = 448, className }: ResultsGridProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const gridId = useId();
  const widths = useMemo(() => columnWidths(columns, rows), [columns, rows]);
  const template = widths.map((w) => `${w}px`).join(' ');
  const totalWidth = widths.reduce((a, b) => a + b, 0);
  const [active, setActive] = useState<Position | null>(null);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // The sticky header sits above the first row inside the same scroll container.
    scrollMargin: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
  });

  const cellId = (pos: Position) => `${gridId}-r${pos.row}-c${pos.col}`;

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (rows.length === 0 || columns.length === 0) return;
    const lastRow = rows.length - 1;
    const lastCol = columns.length - 1;
    const page = Math.max(1, Math.floor(((scrollRef.current?.clientHeight ?? 400) - HEADER_HEIGHT) / ROW_HEIGHT) - 1);
    const current = active ?? { row: 0, col: 0 };
    const ctrl = event.ctrlKey || event.metaKey;
    let next: Position | null = null;
    switch (event.key) {
      case 'ArrowDown':
        next = active ? { ...current, row: Math.min(current.row + 1, lastRow) } : current;
        break;
      case 'ArrowUp':
        next = { ...current, row: Math.max(current.row - 1, 0) };
        break;
      case 'ArrowRight':
        next = active ? { ...current, col: Math.min(current.col + 1, lastCol) } : current;
        break;
      case 'ArrowLeft':
        next = { ...current, col: Math.max(current.col - 1, 0) };
        break;
      case 'PageDown':
        next = { ...current, row: Math.min(current.row + page, lastRow) };
        break;
      case 'PageUp':
        next = { ...current, row: Math.max(current.row - page, 0) };
        break;
      case 'Home':
        next = ctrl ? { row: 0, col: 0 } : { ...current, col: 0 };
        break;
      case 'End':
        next = ctrl ? { row: lastRow, col: lastCol } : { ...current, col: lastCol };
        break;
      default:
        return;
    }
    event.preventDefault();
    setActive(next);
    virtualizer.scrollToIndex(next.row, { align: 'auto' });
    // Once the row is rendered, bring the cell into view sideways too.
    const id = cellId(next);
    requestAnimationFrame(() => document.getElementById(id)?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' }));
  }

  const items = virtualizer.getVirtualItems();
  // Room for a horizontal scrollbar and the border, so a short result shows all its rows without scrolling.
  const height = Math.min(maxHeight, HEADER_HEIGHT + rows.length * ROW_HEIGHT + 18);

  return (
    <div
      ref={scrollRef}
      role="grid"
      aria-label={label}
      aria-rowcount={rows.length + 1}
      aria-colcount={columns.length}
      aria-readonly="true"
      aria-activedescendant={active ? cellId(active) : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      style={{ height }}
      className={cn(
        'relative overflow-auto rounded-md border border-zinc-200 bg-white text-sm dark:border-zinc-800 dark:bg-zinc-900',
        className,
      )}
    >
      <div role="rowgroup" className="sticky top-0 z-10" style={{ width: totalWidth, height: HEADER_HEIGHT }}>
        <div
          role="row"
          aria-rowindex={1}
          className="grid h-full border-b border-zinc-200 bg-zinc-100 dark:border-zinc-800 dark:bg-zinc-800"
          style={{ gridTemplateColumns: template }}
        >
          {columns.map((column, index) => (
            <div
              key={`${index}-${column.name}`}
              role="columnheader"
              aria-colindex={index + 1}
              aria-label={column.name}
              aria-description={column.type ? `type ${column.type}` : undefined}
              className="flex min-w-0 flex-col justify-center border-r border-zinc-200 px-3 leading-tight dark:border-zinc-700"
            >
              <span className="truncate font-semibold">{column.name}</span>
              <span className="truncate font-mono text-[11px] tracking-wide text-zinc-600 uppercase dark:text-zinc-300">
                {column.type || '—'}
              </span>
            </div>
          ))}
        </div>
      </div>
      <div role="rowgroup" className="relative" style={{ height: virtualizer.getTotalSize(), width: totalWidth }}>
        {items.map((item) => {
          const row = rows[item.index]!;
          return (
            <div
              key={item.key}
              role="row"
              aria-rowindex={item.index + 2}
              className="absolute top-0 left-0 grid border-b border-zinc-100 odd:bg-zinc-50/60 dark:border-zinc-800 dark:odd:bg-zinc-950/40"
              style={{
                gridTemplateColumns: template,
                width: totalWidth,
                height: ROW_HEIGHT,
                transform: `translateY(${item.start - virtualizer.options.scrollMargin}px)`,
              }}
            >
              {columns.map((column, col) => {
                const value = row[column.name];
                const isActive = active?.row === item.index && active.col === col;
                const text = cellText(value);
                return (
                  <div
                    key={col}
                    id={cellId({ row: item.index, col })}
                    role="gridcell"
                    aria-colindex={col + 1}
                    aria-selected={isActive ? true : undefined}
                    title={text.length > 40 ? text.slice(0, 2000) : undefined}
                    className={cn(
                      'flex min-w-0 items-center border-r border-zinc-100 px-3 dark:border-zinc-800',
                      typeof value === 'number' && 'justify-end tabular-nums',
                      isActive && 'outline-2 -outline-offset-2 outline-indigo-500',
                    )}
                  >
                    {value === null || value === undefined ? (
                      <span className="text-xs text-zinc-500 italic dark:text-zinc-400">NULL</span>
                    ) : (
                      <span className="truncate font-mono text-xs">{text}</span>
                    )}
                  </div>
                );
              })}
            </div>
          );
        })}
      </div>
    </div>
  );
}
