// Opens the dashboard, clicks "Next" under the orders table and reports what happened.
// Usage: node pagination.mjs URL  → prints one JSON line.
import { chromium } from 'playwright-core';
import { signIn } from './session.mjs';

const url = process.argv[2];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await signIn(page, url);
  let loads = 0;
  page.on('load', () => loads++);
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(url);
  const firstId = (await page.textContent('#table-orders tbody tr td')).trim();
  const before = (await page.textContent('#table-orders .page-info')).trim();
  await page.click('#table-orders button.next');
  await page.waitForFunction(() =>
    document.querySelector('#table-orders .page-info')?.textContent.includes('Page 2 of'));
  const secondId = (await page.textContent('#table-orders tbody tr td')).trim();
  const after = (await page.textContent('#table-orders .page-info')).trim();
  await page.click('#table-orders button.prev');
  await page.waitForFunction(() =>
    document.querySelector('#table-orders .page-info')?.textContent.includes('Page 1 of'));
  const backId = (await page.textContent('#table-orders tbody tr td')).trim();
  await page.waitForFunction(() => document.querySelectorAll('figure.chart svg').length >= 3, null, { timeout: 15000 }).catch(() => {});
  const svgs = await page.locator('figure.chart svg').count();
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  console.log(JSON.stringify({ firstId, before, secondId, after, backId, loads, svgs, errors }));
} finally {
  await browser.close();
}
