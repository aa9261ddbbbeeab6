// Drilling into a chart as a person does: hover a slice of the region chart (its title gives
// the exact value), click it, see the rows under the chart without leaving the page; the same
// at phone width. Prints one JSON line. SCREENSHOT_DIR: where to put pictures.
import { chromium } from 'playwright-core';
import { signIn } from './session.mjs';

const url = process.argv[2];
const shots = process.env.SCREENSHOT_DIR;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const out = { errors: [] };
  for (const [name, width] of [['desktop', 1366], ['phone', 390]]) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    page.on('pageerror', e => out.errors.push(String(e)));
    page.on('console', m => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) out.errors.push(m.text()); });
    await signIn(page, url);
    const started = Date.now();
    await page.goto(url + '/');
    const painted = Date.now() - started;
    await page.waitForFunction(() => document.querySelectorAll('#grid .loading').length === 0, null, { timeout: 30000 });
    const loaded = Date.now() - started;
    const mark = page.locator('#chart-region_share a.mark[href]').first();
    const title = await mark.locator('title').textContent();
    const before = page.url();
    await mark.scrollIntoViewIfNeeded();
    await mark.click();
    await page.waitForSelector('[data-drill] .drill-panel', { timeout: 15000 });
    const panel = page.locator('[data-drill] .drill-panel');
    out[name] = {
      msToFirstPaint: painted,
      msToAllWidgets: loaded,
      title,
      sameUrl: page.url() === before,
      heading: (await panel.locator('h4').textContent()).trim(),
      rows: await panel.locator('tbody tr').count(),
      marksFocusable: await page.locator('#grid a.mark[href]').count(),
    };
    if (shots) {
      await panel.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${shots}/drill-${name}.png`, fullPage: false });
    }
    await panel.locator('[data-drill-close]').click();
    out[name].closed = await page.locator('[data-drill] .drill-panel').count() === 0;
    await page.close();
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
