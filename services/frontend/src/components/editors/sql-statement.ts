import type { EditorState } from '@codemirror/state';
import { ensureSyntaxTree, syntaxTree } from '@codemirror/language';

/** A statement's text as the gateway takes it: one statement, without the separator after it. */
function clean(text: string): string {
  return text.trim().replace(/;\s*$/, '').trim();
}

/**
 * What Ctrl/Cmd+Enter runs: the selection when there is one, otherwise the statement at the cursor (found in the
 * SQL parser's tree, so a ";" inside a string or a comment does not split it), otherwise the whole text.
 */
export function runnableSql(state: EditorState): string {
  const { main } = state.selection;
  if (!main.empty) return clean(state.sliceDoc(main.from, main.to));
  // Parse to the end: by default CodeMirror parses only what is on screen.
  const tree = ensureSyntaxTree(state, state.doc.length, 200) ?? syntaxTree(state);
  const statements: { from: number; to: number }[] = [];
  for (let node = tree.topNode.firstChild; node; node = node.nextSibling) {
    if (node.name === 'Statement') statements.push({ from: node.from, to: node.to });
  }
  if (statements.length === 0) return clean(state.doc.toString());
  const head = main.head;
  // The statement that holds the cursor; else the last one before it (the cursor sits after its ";"); else the first.
  const at =
    statements.find((s) => s.from <= head && head <= s.to) ??
    [...statements].reverse().find((s) => s.to <= head) ??
    statements[0]!;
  return clean(state.sliceDoc(at.from, at.to));
}
