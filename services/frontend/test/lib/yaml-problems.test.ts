import { Text } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { problemPlace, problemRange, problemsFromDetails, problemsFromWarnings } from '@/lib/yaml-problems';

const doc = Text.of(['resource: gadgets', 'fields:', '  name:', '    type: strng', '  kind: {type: select}', '']);

describe('problems of a YAML config', () => {
  it('are read from a 422’s details and a plan’s warnings, with their line and column', () => {
    expect(
      problemsFromDetails([
        { field: 'gadgets.fields.name.type', message: 'must be one of "primary_key", …', document: 0, line: 4, column: 11 },
        { field: 'gadgets.fields.kind', message: 'a `select` field needs `options`', document: 0, line: 5, column: 3 },
        'not a problem',
        { field: 'x' },
      ]),
    ).toEqual([
      { severity: 'error', message: 'must be one of "primary_key", …', path: 'gadgets.fields.name.type', line: 4, column: 11 },
      { severity: 'error', message: 'a `select` field needs `options`', path: 'gadgets.fields.kind', line: 5, column: 3 },
    ]);
    expect(problemsFromDetails({ destructive_steps: [] })).toEqual([]);
    expect(problemsFromWarnings([{ resource: 'gadgets', field: 'sku', message: 'unknown key requird', line: 6, column: 5 }, { resource: 'gadgets', message: 'x' }])).toEqual([
      { severity: 'warning', message: 'unknown key requird', path: 'gadgets.sku', line: 6, column: 5 },
      { severity: 'warning', message: 'x', path: 'gadgets' },
    ]);
  });

  it('mark the word where they point, in words and in the text', () => {
    expect(problemPlace({ severity: 'error', message: '', line: 4, column: 11 })).toBe('Line 4, column 11');
    expect(problemPlace({ severity: 'error', message: '' })).toBe('In the file');
    const at = (line: number, column?: number) => {
      const { from, to } = problemRange(doc, { line, column });
      return doc.sliceString(from, to);
    };
    expect(at(4, 11)).toBe('strng');
    expect(at(5, 3)).toBe('kind');
    // A column at the end of the line marks the line's text; a place past the text is clamped to it.
    expect(at(3, 8)).toBe('name:');
    expect(at(99, 1)).toBe('');
    expect(doc.sliceString(problemRange(doc, {}).from, problemRange(doc, {}).to)).toBe('resource: gadgets');
  });
});
