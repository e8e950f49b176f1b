import type { View } from '../../../scripts/cli/output';
import { renderView } from '../../../scripts/cli/output';

const view: View = {
  title: 'Runs',
  sections: [
    { heading: 'orders-staging', columns: ['run', 'why'], rows: [['r1', 'a | b, "quoted"'], ['r2', null]], notes: ['needs attention: y <missing>'] },
    { columns: [], rows: [['key', 'value']] },
    { columns: ['a'], rows: [], empty: '(no runs)' },
  ],
};

describe('the output convention for views', () => {
  it('table: aligned columns, a key-value section without a header, notes after, empty sections say so', () => {
    const text = renderView(view, 'table');
    expect(text).toContain('run  why\nr1   a | b, "quoted"\nr2   -');
    expect(text).toContain('\nkey  value\n');
    expect(text).toContain('needs attention: y <missing>');
    expect(text).toContain('(no runs)');
  });

  it('csv: RFC 4180 quoting, one header per section', () => {
    const csv = renderView(view, 'csv');
    expect(csv.split('\r\n')).toEqual(['run,why', 'r1,"a | b, ""quoted"""', 'r2,', '', 'key,value', '', 'a', '']);
  });

  it('markdown: pipes and angle brackets escaped, so a cell never breaks the table', () => {
    const md = renderView(view, 'markdown');
    expect(md).toContain('| r1 | a \\| b, "quoted" |');
    expect(md).toContain('- needs attention: y &lt;missing&gt;');
  });

  it('html: escaped, self-contained', () => {
    const html = renderView(view, 'html');
    expect(html).toContain('<td>a | b, &quot;quoted&quot;</td>');
    expect(html).toContain('<li>needs attention: y &lt;missing&gt;</li>');
    expect(html).not.toMatch(/<script|src=|https?:\/\//);
  });
});
