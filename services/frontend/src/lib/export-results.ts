import { unparse } from 'papaparse';
import { cellText } from './format';

export interface ExportColumn {
  name: string;
}

/**
 * CSV of a result. Cells that a spreadsheet would run as a formula (=, +, -, @ first) are escaped: a value written by
 * anyone who can insert a row must not become code on the machine of whoever opens the export.
 */
/** What a spreadsheet takes for the start of a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

export function resultsToCsv(columns: readonly ExportColumn[], rows: readonly Record<string, unknown>[]): string {
  const fields = columns.map((c) => c.name);
  const data = rows.map((row) => fields.map((field) => (row[field] === null ? '' : cellText(row[field]))));
  // papaparse's own test (`escapeFormulae: true`) misses a cell with a line break in it; this one looks at the start only.
  return unparse({ fields, data }, { escapeFormulae: FORMULA_START, newline: '\r\n' });
}

export function resultsToJson(rows: readonly Record<string, unknown>[]): string {
  return `${JSON.stringify(rows, null, 2)}\n`;
}

/** Hands a text to the browser as a download. */
export function downloadText(filename: string, mimeType: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked on the next turn: some browsers start the download only after the click handler returns.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export function exportFilename(database: string, extension: 'csv' | 'json', now = new Date()): string {
  const stamp = now.toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
  return `${database}-results-${stamp}.${extension}`;
}
