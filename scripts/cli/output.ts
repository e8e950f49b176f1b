/**
 * The output convention of every command, as in the AWS CLI: `--output table|json|csv|markdown|html` (default table;
 * `--format` is an alias), written to standard output or, with `--out-file <path>` (`-o`), to that file. An HTML page
 * without a file goes to a new temporary folder whose path is printed: never into the working folder (the repository).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Io } from './io';

/** The formats, the first the default. */
export const OUTPUT_FORMATS = ['table', 'json', 'csv', 'markdown', 'html'] as const;
/** One format. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A cell: text for people; JSON gets the typed record instead. */
export type Cell = string | number | boolean | null | undefined;

/** What a command shows people: titled tables of rows, and lines of notes after each. */
export interface View {
  title: string;
  sections: ViewSection[];
}

/** One table of a view, with notes (a summary, what to do next) after it. */
export interface ViewSection {
  heading?: string;
  columns: string[];
  rows: Cell[][];
  notes?: string[];
  /** Shown when the table has no rows. */
  empty?: string;
}

function text(c: Cell): string {
  return c === undefined || c === null ? '-' : String(c);
}

/** Rows aligned in columns, two spaces apart; a header row when any column is named. */
export function alignedTable(columns: string[], rows: Cell[][]): string[] {
  // A key-value table has no header worth printing.
  const all = [...(columns.some((c) => c) ? [columns] : []), ...rows.map((r) => r.map(text))];
  const count = Math.max(columns.length, ...rows.map((r) => r.length));
  const widths = Array.from({ length: count }, (_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}

/** Text safe in a Markdown table cell: no HTML, no pipe or backtick that would end the cell or open code. */
export function mdCell(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Text safe in HTML, attributes included. */
export function html(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A CSV field (RFC 4180): quoted when it holds a quote, comma or line break. */
export function csvCell(c: Cell): string {
  const s = c === undefined || c === null ? '' : String(c);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A view in a format for people (table, markdown, html) or spreadsheets (csv: one header per section). */
export function renderView(view: View, format: Exclude<OutputFormat, 'json'>): string {
  switch (format) {
    case 'table':
      return `${[view.title, ...view.sections.flatMap((s) => ['', ...(s.heading ? [s.heading, ''] : []), ...(s.rows.length ? alignedTable(s.columns, s.rows) : [s.empty ?? '(none)']), ...(s.notes?.length ? ['', ...s.notes] : [])])].join('\n')}\n`;
    case 'markdown':
      return `${[
        `# ${mdCell(view.title)}`,
        ...view.sections.flatMap((s) => [
          '',
          ...(s.heading ? [`## ${mdCell(s.heading)}`, ''] : []),
          ...(s.rows.length ? [`| ${s.columns.map(mdCell).join(' | ')} |`, `|${s.columns.map(() => '---').join('|')}|`, ...s.rows.map((r) => `| ${r.map((c) => mdCell(text(c))).join(' | ')} |`)] : [s.empty ?? '(none)']),
          ...(s.notes?.length ? ['', ...s.notes.map((n) => `- ${mdCell(n)}`)] : []),
        ]),
      ].join('\n')}\n`;
    case 'csv':
      return `${view.sections.map((s) => [...(s.columns.some((c) => c) ? [s.columns] : []), ...s.rows].map((r) => r.map(csvCell).join(',')).join('\r\n')).join('\r\n\r\n')}\r\n`;
    case 'html':
      return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(view.title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.3rem; } h2 { font-size: 1.1rem; }
table { border-collapse: collapse; margin-top: 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; white-space: nowrap; }
</style>
</head>
<body>
<h1>${html(view.title)}</h1>
${view.sections
  .map(
    (s) =>
      `<section>${s.heading ? `<h2>${html(s.heading)}</h2>` : ''}${
        s.rows.length
          ? `<table><thead><tr>${s.columns.map((c) => `<th>${html(c)}</th>`).join('')}</tr></thead><tbody>${s.rows.map((r) => `<tr>${r.map((c) => `<td>${html(text(c))}</td>`).join('')}</tr>`).join('')}</tbody></table>`
          : `<p>${html(s.empty ?? '(none)')}</p>`
      }${s.notes?.length ? `<ul>${s.notes.map((n) => `<li>${html(n)}</li>`).join('')}</ul>` : ''}</section>`,
  )
  .join('\n')}
</body>
</html>
`;
  }
}

/** Where a command's output goes, from `--output` and `--out-file`. */
export interface OutputTarget {
  format: OutputFormat;
  outFile?: string;
}

/**
 * Writes a command's output: to `--out-file`, to a temporary file for HTML without one (its path printed on
 * stderr), else to standard output.
 * @param name a file name for the temporary HTML page (`report-orders-staging.html`)
 */
export function deliver(io: Io, target: OutputTarget, content: string, name: string): void {
  const file = target.outFile ? resolve(target.outFile) : target.format === 'html' ? join(mkdtempSync(join(tmpdir(), 'replica-refresh-')), name) : undefined;
  if (!file) {
    io.stdout(content);
    return;
  }
  writeFileSync(file, content);
  io.stderr(`wrote ${file}\n`);
}
