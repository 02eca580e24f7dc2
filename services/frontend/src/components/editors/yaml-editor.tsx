'use client';

import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { Prec, type EditorState } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import { useEffect, useImperativeHandle, useMemo, useRef, type Ref } from 'react';
import { problemRange, type YamlProblem } from '@/lib/yaml-problems';
import { CodeEditor, type CodeEditorHandle } from './code-editor';

/** The problems as CodeMirror lint diagnostics on the text as it is now. */
export function diagnosticsFor(state: EditorState, problems: readonly YamlProblem[]): Diagnostic[] {
  return problems
    .filter((p) => p.line !== undefined)
    .map((problem) => {
      const { from, to } = problemRange(state.doc, problem);
      return {
        from,
        to,
        severity: problem.severity,
        source: problem.path,
        message: problem.message,
      };
    });
}

export interface YamlEditorProps {
  initialValue?: string;
  /** The engine's problems and warnings, marked at their line and column (and in the gutter) until the next check. */
  problems?: readonly YamlProblem[];
  /** Ctrl/Cmd+Enter: check the text (a dry run). */
  onCheck?: () => void;
  onChange?: (value: string) => void;
  placeholder?: string;
  className?: string;
  ref?: Ref<CodeEditorHandle>;
}

const NO_PROBLEMS: readonly YamlProblem[] = [];

/**
 * The YAML editor of resource configs: CodeMirror's YAML language on the console's editor, and the engine's problems
 * as lint diagnostics. They are the engine's (set from its reply), not a linter of the editor's own: the text is
 * checked by the gateway, where its rules live.
 */
export function YamlEditor({ initialValue, problems = NO_PROBLEMS, onCheck, onChange, placeholder, className, ref }: YamlEditorProps) {
  const handle = useRef<CodeEditorHandle>(null);
  const onCheckRef = useRef(onCheck);
  useEffect(() => {
    onCheckRef.current = onCheck;
  }, [onCheck]);

  const extensions = useMemo(
    () => [
      yaml(),
      lintGutter(),
      Prec.highest(
        // The ref is read when the keys are pressed, never during render; the rule can't tell the two apart.
        // eslint-disable-next-line react-hooks/refs
        keymap.of([
          {
            key: 'Mod-Enter',
            preventDefault: true,
            run: () => {
              onCheckRef.current?.();
              return true;
            },
          },
        ]),
      ),
    ],
    [],
  );

  useImperativeHandle(
    ref,
    () => ({
      view: () => handle.current?.view() ?? null,
      getValue: () => handle.current?.getValue() ?? '',
      setValue: (text: string) => handle.current?.setValue(text),
      focus: () => handle.current?.focus(),
    }),
    [],
  );

  useEffect(() => {
    const view = handle.current?.view();
    if (!view) return;
    view.dispatch(setDiagnostics(view.state, diagnosticsFor(view.state, problems)));
  }, [problems]);

  return (
    <CodeEditor
      ariaLabel="YAML editor"
      placeholder={placeholder}
      initialValue={initialValue}
      extensions={extensions}
      onChange={onChange}
      className={className}
      ref={handle}
    />
  );
}
