import { language } from '@codemirror/language';
import { forEachDiagnostic, type Diagnostic } from '@codemirror/lint';
import type { EditorState } from '@codemirror/state';
import { fireEvent, render, screen } from '@testing-library/react';
import { createRef } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { CodeEditorHandle } from '@/components/editors/code-editor';
import { YamlEditor } from '@/components/editors/yaml-editor';
import type { YamlProblem } from '@/lib/yaml-problems';

const TEXT = 'resource: gadgets\nfields:\n  name:\n    type: strng\n  kind: {type: select}\n';

function diagnostics(state: EditorState): (Diagnostic & { text: string })[] {
  const found: (Diagnostic & { text: string })[] = [];
  forEachDiagnostic(state, (d, from, to) => found.push({ ...d, from, to, text: state.sliceDoc(from, to) }));
  return found;
}

function setup(problems: YamlProblem[] = [], onCheck = vi.fn()) {
  const ref = createRef<CodeEditorHandle>();
  const utils = render(<YamlEditor ref={ref} initialValue={TEXT} problems={problems} onCheck={onCheck} />);
  return { ...utils, ref, onCheck, view: () => ref.current!.view()! };
}

const refused: YamlProblem[] = [
  { severity: 'error', message: 'must be one of "primary_key", "string", …', path: 'gadgets.fields.name.type', line: 4, column: 11 },
  { severity: 'error', message: 'a `select` field needs `options`', path: 'gadgets.fields.kind', line: 5, column: 3 },
  { severity: 'warning', message: 'no place', path: 'gadgets' },
];

describe('the YAML editor', () => {
  it('is a textbox named “YAML editor” with the text highlighted as YAML', () => {
    const { view } = setup();
    const editor = screen.getByRole('textbox', { name: 'YAML editor' });
    expect(editor).toHaveTextContent('resource: gadgets');
    expect(view().state.facet(language)?.name).toBe('yaml');
  });

  it('marks each problem at its line and column, as an error the gutter shows too', () => {
    const { view, container } = setup(refused);
    const found = diagnostics(view().state);
    expect(found.map((d) => [d.severity, d.text, d.message])).toEqual([
      ['error', 'strng', 'must be one of "primary_key", "string", …'],
      ['error', 'kind', 'a `select` field needs `options`'],
    ]);
    expect(view().state.doc.lineAt(found[0]!.from).number).toBe(4);
    expect([...container.querySelectorAll('.cm-lintRange-error')].map((e) => e.textContent)).toEqual(['strng', 'kind']);
    expect(container.querySelectorAll('.cm-gutter-lint .cm-lint-marker-error')).toHaveLength(2);
  });

  it('marks warnings as warnings, and clears the marks with the next check’s problems', () => {
    const { view, rerender, ref, onCheck } = setup(refused);
    rerender(<YamlEditor ref={ref} initialValue={TEXT} problems={[{ severity: 'warning', message: 'unknown key', line: 2, column: 1 }]} onCheck={onCheck} />);
    expect(diagnostics(view().state).map((d) => [d.severity, d.text])).toEqual([['warning', 'fields']]);
    rerender(<YamlEditor ref={ref} initialValue={TEXT} problems={[]} onCheck={onCheck} />);
    expect(diagnostics(view().state)).toEqual([]);
  });

  it('keeps a mark on its word while the text above it changes', () => {
    const { view } = setup(refused);
    view().dispatch({ changes: { from: 0, insert: '# a comment\n' } });
    expect(diagnostics(view().state)[0]!.text).toBe('strng');
  });

  it('checks on Ctrl+Enter without inserting a line', () => {
    const { view, onCheck } = setup();
    fireEvent.keyDown(view().contentDOM, { key: 'Enter', code: 'Enter', keyCode: 13, ctrlKey: true });
    expect(onCheck).toHaveBeenCalledTimes(1);
    expect(view().state.doc.toString()).toBe(TEXT);
  });
});
