// A table widget's order and page survive the dashboard's auto-refresh: open the dashboard
// refreshing every 10 s, sort the orders widget by a column (descending) and go to page 2,
// wait for the next refresh of the widget, and read the table again; then narrow the window
// to a phone's and see the charts drawn again for it. Prints one JSON line.
import { launch, signIn } from './session.mjs';

const url = process.argv[2];
const browser = await launch();
try {
  const out = { errors: [] };
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.on('pageerror', e => out.errors.push(String(e)));
  await signIn(page, url);
  await page.goto(url + '/?refresh=10');
  await page.waitForFunction(() => document.querySelectorAll('#grid .loading').length === 0, null, { timeout: 30000 });
  const widget = page.locator('#grid [data-widget-id="orders"]');
  const state = () => widget.evaluate(w => {
    const t = w.querySelector('.table-wrap');
    const th = [...t.querySelectorAll('th')].find(h => h.getAttribute('aria-sort') !== 'none');
    return {
      sorted: th ? th.textContent.trim() + ' ' + th.getAttribute('aria-sort') : null,
      page: t.querySelector('.page-info').textContent.trim(),
      first: t.querySelector('tbody tr td').textContent.trim(),
    };
  });
  // Ascending, then descending, then the next page.
  for (let i = 0; i < 2; i++) {
    await Promise.all([
      page.waitForResponse(r => r.url().includes('/table/orders')),
      widget.locator('th a.sort', { hasText: 'Product' }).click(),
    ]);
  }
  await Promise.all([
    page.waitForResponse(r => r.url().includes('/table/orders')),
    widget.locator('button.next').click(),
  ]);
  await page.waitForTimeout(200);
  out.before = await state();
  const refreshed = await page.waitForResponse(r => /\/widgets\/orders\?/.test(r.url()), { timeout: 25000 });
  out.refreshUrl = refreshed.url();
  await page.waitForTimeout(300);
  out.after = await state();
  // Narrowed to a phone's width, the charts are asked again for it.
  const drawn = () => page.locator('#chart-daily_revenue svg').first().getAttribute('width');
  out.wideChart = Number(await drawn());
  await Promise.all([
    page.waitForResponse(r => /\/widgets\/daily_revenue\?/.test(r.url()), { timeout: 10000 }),
    page.setViewportSize({ width: 390, height: 844 }),
  ]);
  await page.waitForTimeout(300);
  out.phoneChart = Number(await drawn());
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
