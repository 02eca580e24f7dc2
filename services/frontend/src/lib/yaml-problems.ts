import type { Text } from '@codemirror/state';

/** A problem of a YAML resource config, where the engine found it (1-based line and column in the whole file). */
export interface YamlProblem {
  severity: 'error' | 'warning';
  message: string;
  /** Where in the config: `gadgets.fields.name.type`. */
  path?: string;
  line?: number;
  column?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The problems of a 422 reply to a schema apply (`details: [{field, message, document, line, column}]`). */
export function problemsFromDetails(details: unknown): YamlProblem[] {
  if (!Array.isArray(details)) return [];
  return details.filter(isRecord).flatMap((d) => {
    if (typeof d.message !== 'string') return [];
    const problem: YamlProblem = { severity: 'error', message: d.message };
    if (typeof d.field === 'string') problem.path = d.field;
    if (typeof d.line === 'number') problem.line = d.line;
    if (typeof d.column === 'number') problem.column = d.column;
    return [problem];
  });
}

/** The warnings of a plan (`[{resource, field?, message, line?, column?}]`). */
export function problemsFromWarnings(warnings: unknown): YamlProblem[] {
  if (!Array.isArray(warnings)) return [];
  return warnings.filter(isRecord).flatMap((w) => {
    if (typeof w.message !== 'string') return [];
    const problem: YamlProblem = { severity: 'warning', message: w.message };
    const path = [w.resource, w.field].filter((p): p is string => typeof p === 'string').join('.');
    if (path !== '') problem.path = path;
    if (typeof w.line === 'number') problem.line = w.line;
    if (typeof w.column === 'number') problem.column = w.column;
    return [problem];
  });
}

/** Where a problem is, in words: "Line 4, column 11". */
export function problemPlace(problem: YamlProblem): string {
  if (problem.line === undefined) return 'In the file';
  return problem.column === undefined ? `Line ${problem.line}` : `Line ${problem.line}, column ${problem.column}`;
}

export interface ProblemRange {
  from: number;
  to: number;
}

/**
 * The span of the text a problem marks: from its line and column to the end of the word (a key or a scalar) that
 * starts there, or the rest of the line when it starts on a space; the whole first line when the problem has no
 * place. Lines and columns past the text are clamped to it, since the text may have changed since it was checked.
 */
export function problemRange(doc: Text, problem: Pick<YamlProblem, 'line' | 'column'>): ProblemRange {
  const lineNumber = Math.min(Math.max(problem.line ?? 1, 1), doc.lines);
  const line = doc.line(lineNumber);
  if (problem.line === undefined) return { from: line.from, to: line.to };
  const offset = Math.min(Math.max((problem.column ?? 1) - 1, 0), line.length);
  const from = line.from + offset;
  const rest = line.text.slice(offset);
  const word = /^[^\s:,#[\]{}]+/.exec(rest)?.[0];
  let to = from + (word ? word.length : rest.trimEnd().length);
  if (to === from) {
    // Nothing to underline where it points (the end of a line): mark the line's text instead.
    const start = line.text.length - line.text.trimStart().length;
    return { from: line.from + start, to: Math.max(line.to, line.from + start) };
  }
  to = Math.min(to, line.to);
  return { from, to };
}
