// Dashboard page timings in a real browser (playwright-core driving /usr/bin/chromium): signs in,
// then opens /dashboards/ID REPS times and reads, per load, the first paint and first contentful
// paint (Paint Timing) and the moment the last widget's htmx swap happened (every widget loads
// on its own after the page), all from navigation start. Run by tests/bench/dashboard.py.
// Usage: node dashboard.mjs URL ID EMAIL PASSWORD REPS → one JSON line.
import { createRequire } from 'module';

const require = createRequire(new URL('../browser/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const [url, id, email, password, reps] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(url + '/login');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  await page.addInitScript(() => {
    // The last swap inside each widget, by widget id.
    window.__swaps = {};
    document.addEventListener('htmx:afterSwap', e => {
      const w = e.target.closest && e.target.closest('#grid [data-widget-id]');
      if (w) window.__swaps[w.dataset.widgetId] = performance.now();
    });
  });
  const runs = [];
  for (let i = 0; i < Number(reps) + 1; i++) {
    await page.goto(url + '/dashboards/' + id, { waitUntil: 'commit' });
    await page.waitForFunction(() => document.querySelector('#grid') &&
      document.querySelectorAll('#grid [data-widget-id]').length > 0 &&
      !document.querySelector('#grid .loading') &&
      Object.keys(window.__swaps).length >= document.querySelectorAll('#grid [data-widget-id]').length, null, { timeout: 120000 });
    const r = await page.evaluate(() => {
      const paint = n => (performance.getEntriesByName(n)[0] || {}).startTime ?? null;
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        widgets: document.querySelectorAll('#grid [data-widget-id]').length,
        swaps: Object.keys(window.__swaps).length,
        failed: document.querySelectorAll('#grid .error-box').length,
        htmlMs: nav.responseEnd,
        firstPaintMs: paint('first-paint'),
        fcpMs: paint('first-contentful-paint'),
        allWidgetsMs: Math.max(...Object.values(window.__swaps)),
        byWidget: window.__swaps,
      };
    });
    if (i > 0) runs.push(r); // the first load warms the browser's cache of the static assets
  }
  console.log(JSON.stringify({ runs, errors }));
} finally {
  await browser.close();
}
