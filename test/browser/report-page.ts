/**
 * `npm run test:browser`: renders the html report of a simulated week in a real headless Chromium
 * (Debian's package, driven by playwright-core), checks what the chart shows, and saves a screenshot.
 * Prints "N passed, M failed" and exits non-zero on any failure.
 */
import '../../scripts/cli/quiet';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildReport } from '../../lambdas/reporting/report';
import { renderHtml } from '../../scripts/report/format';
import { Simulation } from '../../scripts/sim/world';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = join(__dirname, '..', '..', 'test-output');

/** The part of a DOM element the checks read (the project compiles without the DOM library). */
interface PageElement {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number; height: number };
  textContent: string | null;
}

interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

async function main(): Promise<number> {
  if (!existsSync(CHROMIUM)) {
    console.error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
    return 1;
  }
  const config = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } }).context.replicaRefresh;
  // A week with one failed night, so the page shows both kinds of row.
  const sim = await Simulation.create({ config, seed: 11, faults: [{ name: 'restore-capacity-persistent', night: 4 }] });
  let html: string;
  let expected: { runs: number; measured: number; longestRun: string; failed: number };
  try {
    await sim.runNights(7);
    const runs = await sim.ledger.listRuns('orders-staging');
    const report = buildReport(runs, { replica: 'orders-staging', since: new Date('2026-11-16T12:00:00Z'), until: sim.clock.now(), timeZone: sim.config.timeZone, rtoTargetMinutes: sim.config.rtoTargetMinutes });
    html = renderHtml({ simulated: true, since: report.since, until: report.until, timeZone: report.timeZone, rtoTargetMinutes: report.rtoTargetMinutes, reports: [report] });
    const measured = report.rows.filter((r) => r.downtimeSeconds !== undefined);
    const longest = [...measured].sort((a, b) => (b.downtimeSeconds ?? 0) - (a.downtimeSeconds ?? 0))[0];
    // The failed night, and the watchdog's heal attempts that failed too before capacity came back.
    expected = { runs: report.rows.length, measured: measured.length, longestRun: longest?.runId ?? '', failed: report.rows.filter((r) => r.status === 'failed').length };
  } finally {
    await sim.close();
  }
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, 'report.html');
  writeFileSync(file, html);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail?: string) => checks.push({ name, ok, ...(detail ? { detail } : {}) });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const external: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith('file://')) external.push(req.url());
    });
    await page.goto(`file://${file}`);
    check('page title names the replica, and that it is a simulation', (await page.title()).startsWith('orders-staging (simulation): refreshes'));
    const chart = page.locator('svg.chart');
    check('chart is visible', await chart.isVisible());
    check('chart counts the measured runs', (await chart.getAttribute('data-runs')) === String(expected.measured), `data-runs=${await chart.getAttribute('data-runs')}, expected ${expected.measured}`);
    const bars = page.locator('rect.bar.downtime');
    check('one downtime bar per measured run', (await bars.count()) === expected.measured, `bars=${await bars.count()}`);
    check('one restore dot per measured run', (await page.locator('circle.dot.restore').count()) === expected.measured);
    const heights = await bars.evaluateAll((els: PageElement[]) => els.map((e) => ({ id: e.getAttribute('data-run-id'), seconds: Number(e.getAttribute('data-downtime-seconds')), height: e.getBoundingClientRect().height })));
    const tallest = [...heights].sort((a, b) => b.height - a.height)[0];
    check('the tallest bar is the longest downtime', tallest?.id === expected.longestRun, `tallest ${tallest?.id}, longest ${expected.longestRun}`);
    check('bar heights follow the downtimes', heights.every((a) => heights.every((b) => (a.seconds > b.seconds) === (a.height > b.height + 0.01) || a.seconds === b.seconds || Math.abs(a.height - b.height) < 0.5)));
    // A horizontal line has no height, which Playwright calls invisible: measure its rendered width instead.
    const target = await page.locator('line.rto-target').evaluate((e: PageElement) => ({ width: e.getBoundingClientRect().width, title: e.textContent }));
    check('the RTO target line is drawn across the chart', target.width > 500 && (target.title ?? '').includes('RTO target 45 min'), JSON.stringify(target));
    check('the table lists every run', (await page.locator('table.runs tbody tr').count()) === expected.runs, `rows=${await page.locator('table.runs tbody tr').count()}`);
    const failedRows = await page.locator('table.runs tbody tr.failed').count();
    const failedMarks = await page.locator('svg.chart g.mark.failed').count();
    check('the failed runs are shown as failed, in the table and on the chart', expected.failed >= 1 && failedRows === expected.failed && failedMarks === expected.failed, `rows=${failedRows}, marks=${failedMarks}, expected ${expected.failed}`);
    check('the summary states the success rate', (await page.locator('ul.summary').innerText()).includes('success rate'));
    check('the page made no network request', external.length === 0, external.join(', '));
    await page.screenshot({ path: join(OUT, 'report.png'), fullPage: true });
  } finally {
    await browser.close();
  }
  for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}${c.detail && !c.ok ? ` (${c.detail})` : ''}`);
  const failed = checks.filter((c) => !c.ok).length;
  console.log(`screenshot: ${join(OUT, 'report.png')}`);
  console.log(`${checks.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    console.error(`browser test failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
