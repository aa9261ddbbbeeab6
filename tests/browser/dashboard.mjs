// Dashboards in a browser: build one in the editor by mouse (create, add two widgets, move one,
// resize the other, save) and read the layout back; then on FILTERED (a dashboard with a
// `days` filter) change the filter and watch the widgets update without a full page load.
// Usage: node dashboard.mjs URL FILTERED_ID → one JSON line. SCREENSHOT_DIR: pictures.
import { chromium } from 'playwright-core';
import { signIn } from './session.mjs';

const [url, filtered] = process.argv.slice(2);
const shots = process.env.SCREENSHOT_DIR;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const out = { errors: [] };
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.on('pageerror', e => out.errors.push(String(e)));
  await signIn(page, url);
  await page.goto(url + '/dashboards');
  await page.fill('#new-dashboard input[name=name]', 'Browser board');
  await Promise.all([page.waitForNavigation(), page.click('#new-dashboard button[type=submit]')]);
  out.editor = new URL(page.url()).pathname;
  await page.selectOption('#add-viz', 'revenue');
  await page.click('#add-widget');
  await page.selectOption('#add-viz', 'daily_revenue');
  await page.click('#add-widget');
  const pos = () => page.locator('#grid [data-widget-id] .pos').allTextContents();
  out.added = await pos();
  const grid = await page.locator('#grid').boundingBox();
  const col = grid.width / 12;
  // Move the chart three columns right by its bar.
  const bar = await page.locator('#grid [data-widget-id="daily_revenue"] [data-drag-handle]').boundingBox();
  await page.mouse.move(bar.x + 20, bar.y + bar.height / 2);
  await page.mouse.down();
  await page.mouse.move(bar.x + 20 + col * 1.5, bar.y + bar.height / 2, { steps: 5 });
  await page.mouse.move(bar.x + 20 + col * 3, bar.y + bar.height / 2, { steps: 5 });
  await page.mouse.up();
  // Make the KPI one column wider and one row taller by its corner.
  const corner = await page.locator('#grid [data-widget-id="revenue"] [data-resize-handle]').boundingBox();
  const rowH = await page.evaluate(() => parseFloat(getComputedStyle(document.getElementById('grid')).gridAutoRows) +
    parseFloat(getComputedStyle(document.getElementById('grid')).rowGap));
  await page.mouse.move(corner.x + 5, corner.y + 5);
  await page.mouse.down();
  await page.mouse.move(corner.x + 5 + col, corner.y + 5 + rowH, { steps: 5 });
  await page.mouse.up();
  out.edited = await pos();
  if (shots) await page.screenshot({ path: shots + '/dashboard-edit-1366.png', fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('#save-dashboard button[type=submit]')]);
  out.saved = new URL(page.url()).pathname;
  await page.waitForSelector('#grid [data-widget-id="revenue"] .kpi-value');
  await page.goto(url + out.editor);
  out.reloaded = await pos();

  // A filter changes the widgets in place.
  let loads = 0;
  page.on('load', () => loads++);
  await page.goto(url + '/dashboards/' + filtered);
  await page.waitForSelector('#kpi-revenue .kpi-value');
  out.before = (await page.textContent('#kpi-revenue .kpi-value')).trim();
  const loadsBefore = loads;
  await page.fill('input[name="f.period"]', '30');
  await page.click('#filters button[type=submit]');
  await page.waitForFunction(b => {
    const v = document.querySelector('#kpi-revenue .kpi-value');
    return v && v.textContent.trim() !== b;
  }, out.before);
  out.after = (await page.textContent('#kpi-revenue .kpi-value')).trim();
  out.fullLoads = loads - loadsBefore;
  out.url = page.url();
  if (shots) {
    await page.screenshot({ path: shots + '/dashboard-1366.png', fullPage: true });
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(phone, url);
    await phone.goto(url + '/dashboards/' + filtered);
    await phone.waitForSelector('#kpi-revenue .kpi-value');
    await phone.screenshot({ path: shots + '/dashboard-390.png', fullPage: true });
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
