'use client';

import { Compartment, EditorState, type Extension } from '@codemirror/state';
import { EditorView, placeholder as placeholderExtension } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useTheme } from 'next-themes';
import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import { readableOneDark } from './dark-theme';

export interface CodeEditorHandle {
  /** The editor's view, for commands that read its state (the statement at the cursor, the selection). */
  view(): EditorView | null;
  getValue(): string;
  /** Replaces the whole text, as one undoable change. */
  setValue(text: string): void;
  focus(): void;
}

export interface CodeEditorProps {
  /** The accessible name of the editing area. */
  ariaLabel: string;
  initialValue?: string;
  placeholder?: string;
  /** Language support, key bindings and the like. Changing it reconfigures the editor without losing its text. */
  extensions?: Extension;
  onChange?: (value: string) => void;
  className?: string;
  ref?: Ref<CodeEditorHandle>;
}

const lightTheme = EditorView.theme({ '&': { backgroundColor: 'white' } });

/**
 * CodeMirror 6 in React: the view is created once and lives outside React's rendering; props reach it through
 * compartments. Tab is left to move focus (no indentWithTab) so the editor never traps keyboard users.
 */
export function CodeEditor({ ariaLabel, initialValue = '', placeholder, extensions = [], onChange, className, ref }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const compartments = useRef({ custom: new Compartment(), theme: new Compartment() });
  const onChangeRef = useRef(onChange);
  const { resolvedTheme } = useTheme();
  const initial = useRef({ initialValue, placeholder, ariaLabel, extensions, resolvedTheme });

  useEffect(() => {
    onChangeRef.current = onChange;
  }, [onChange]);

  useEffect(() => {
    const start = initial.current;
    const view = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: start.initialValue,
        extensions: [
          basicSetup,
          // An explicit tab stop: the editing area is how keyboard users reach, and scroll, the editor.
          EditorView.contentAttributes.of({ 'aria-label': start.ariaLabel, tabindex: '0' }),
          start.placeholder ? placeholderExtension(start.placeholder) : [],
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChangeRef.current?.(update.state.doc.toString());
          }),
          compartments.current.custom.of(start.extensions),
          compartments.current.theme.of(start.resolvedTheme === 'dark' ? readableOneDark : lightTheme),
        ],
      }),
    });
    viewRef.current = view;
    return () => {
      view.destroy();
      viewRef.current = null;
    };
  }, []);

  useEffect(() => {
    viewRef.current?.dispatch({ effects: compartments.current.custom.reconfigure(extensions) });
  }, [extensions]);

  useEffect(() => {
    viewRef.current?.dispatch({ effects: compartments.current.theme.reconfigure(resolvedTheme === 'dark' ? readableOneDark : lightTheme) });
  }, [resolvedTheme]);

  useImperativeHandle(
    ref,
    () => ({
      view: () => viewRef.current,
      getValue: () => viewRef.current?.state.doc.toString() ?? '',
      setValue: (text: string) => {
        const view = viewRef.current;
        if (!view) return;
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: text.length } });
      },
      focus: () => viewRef.current?.focus(),
    }),
    [],
  );

  return <div ref={host} className={className} />;
}
