import { CompletionContext, type CompletionResult, type CompletionSource } from '@codemirror/autocomplete';
import { EditorSelection, type EditorState } from '@codemirror/state';
import type { TableSummary } from '@dbforge/contracts';
import { fireEvent, render, screen } from '@testing-library/react';
import { createRef } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { CodeEditorHandle } from '@/components/editors/code-editor';
import { SqlEditor } from '@/components/editors/sql-editor';

const tables: TableSummary[] = [
  {
    name: 'users',
    type: 'table',
    columns: [
      { name: 'id', type: 'INTEGER', not_null: true, default: null, primary_key: true },
      { name: 'email', type: 'TEXT', not_null: true, default: null, primary_key: false },
    ],
  },
  { name: 'orders', type: 'table', columns: [{ name: 'total', type: 'REAL', not_null: false, default: null, primary_key: false }] },
];

/** The labels CodeMirror would offer at the end of the text, asked of the language's own completion sources. */
async function completionsAtEnd(state: EditorState): Promise<string[]> {
  const pos = state.doc.length;
  const sources = state.languageDataAt<CompletionSource>('autocomplete', pos);
  const labels: string[] = [];
  for (const source of sources) {
    const result = (await source(new CompletionContext(state, pos, true))) as CompletionResult | null;
    for (const option of result?.options ?? []) labels.push(option.label);
  }
  return labels;
}

function setup(props: Partial<Parameters<typeof SqlEditor>[0]> = {}) {
  const ref = createRef<CodeEditorHandle>();
  const onRun = vi.fn();
  const utils = render(<SqlEditor ref={ref} onRun={onRun} tables={tables} {...props} />);
  const view = () => ref.current!.view()!;
  return { ...utils, ref, onRun, view };
}

describe('the SQL editor', () => {
  it('is a textbox named “SQL editor”', () => {
    setup({ initialValue: 'SELECT 1' });
    const editor = screen.getByRole('textbox', { name: 'SQL editor' });
    expect(editor).toHaveTextContent('SELECT 1');
  });

  it('runs the statement at the cursor on Ctrl+Enter, without inserting a line', () => {
    const { onRun, view } = setup({ initialValue: 'SELECT 1;\nSELECT 2;' });
    view().dispatch({ selection: EditorSelection.cursor(12) });
    fireEvent.keyDown(view().contentDOM, { key: 'Enter', code: 'Enter', keyCode: 13, ctrlKey: true });
    expect(onRun).toHaveBeenCalledWith('SELECT 2');
    expect(view().state.doc.toString()).toBe('SELECT 1;\nSELECT 2;');
  });

  it('runs only the selection on Ctrl+Enter', () => {
    const { onRun, view } = setup({ initialValue: 'SELECT id, email FROM users' });
    view().dispatch({ selection: EditorSelection.range(0, 9) });
    fireEvent.keyDown(view().contentDOM, { key: 'Enter', code: 'Enter', keyCode: 13, ctrlKey: true });
    expect(onRun).toHaveBeenCalledWith('SELECT id');
  });

  it('completes the database’s tables, and a table’s columns after its name and a dot', async () => {
    const { ref, view } = setup();
    ref.current!.setValue('SELECT * FROM us');
    expect(await completionsAtEnd(view().state)).toEqual(expect.arrayContaining(['users', 'orders']));
    ref.current!.setValue('SELECT users.');
    const columns = await completionsAtEnd(view().state);
    expect(columns).toEqual(expect.arrayContaining(['id', 'email']));
    expect(columns).not.toContain('total');
  });

  it('picks up tables that appear later without losing the text', async () => {
    const { rerender, ref, view, onRun } = setup({ tables: [], initialValue: 'SELECT * FROM ' });
    expect(await completionsAtEnd(view().state)).not.toContain('users');
    rerender(<SqlEditor ref={ref} onRun={onRun} tables={tables} />);
    expect(view().state.doc.toString()).toBe('SELECT * FROM ');
    expect(await completionsAtEnd(view().state)).toContain('users');
  });

  it('reports edits and replaces its text on request', () => {
    const onChange = vi.fn();
    const { ref } = setup({ onChange });
    ref.current!.setValue('SELECT 42');
    expect(onChange).toHaveBeenLastCalledWith('SELECT 42');
    expect(ref.current!.getValue()).toBe('SELECT 42');
  });
});
