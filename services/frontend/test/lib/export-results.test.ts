import { describe, expect, it } from 'vitest';
import { exportFilename, resultsToCsv, resultsToJson } from '@/lib/export-results';

const columns = [{ name: 'id' }, { name: 'note' }, { name: 'extra' }];

describe('exporting results', () => {
  it('writes CSV with a header, quoting commas, quotes and newlines, and NULL as an empty field', () => {
    const csv = resultsToCsv(columns, [
      { id: 1, note: 'plain', extra: null },
      { id: 2, note: 'a, "quoted"\nline', extra: { nested: true } },
    ]);
    expect(csv).toBe('id,note,extra\r\n1,plain,\r\n2,"a, ""quoted""\nline","{""nested"":true}"');
  });

  it('escapes cells a spreadsheet would run as formulas', () => {
    const csv = resultsToCsv([{ name: 'v' }], [{ v: '=HYPERLINK("http://evil")' }, { v: '+1' }, { v: '@SUM(A1)' }]);
    const cells = csv.split('\r\n').slice(1);
    for (const cell of cells) expect(cell.replace(/^"/, '')).toMatch(/^'/);
  });

  it('escapes a formula with a line break in it too', () => {
    const csv = resultsToCsv([{ name: 'v' }], [{ v: '=HYPERLINK("http://evil","x")\nmore' }]);
    expect(csv.split('\r\n')[1]).toMatch(/^"'=HYPERLINK/);
  });

  it('writes JSON as the rows, exactly', () => {
    const rows = [{ id: 1, big: '9007199254740993', none: null }];
    expect(JSON.parse(resultsToJson(rows))).toEqual(rows);
  });

  it('names the file after the database and the time', () => {
    expect(exportFilename('shop', 'csv', new Date('2026-11-23T09:12:44.512Z'))).toBe('shop-results-2026-11-23T09-12-44.csv');
  });
});
