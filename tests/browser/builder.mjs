// The report builder as a person uses it: drag region into Dimensions and revenue into
// Measures with the mouse, watch the preview; add channel with the keyboard ("Add to…" menu),
// reorder with the buttons; a filter without a value is marked incomplete, not an error,
// until it has one; save. Prints one JSON line. SCREENSHOT_DIR: where to put pictures.
import { chromium } from 'playwright-core';
import { signIn } from './session.mjs';

const url = process.argv[2];
const shots = process.env.SCREENSHOT_DIR;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const count = page => page.textContent('#preview-count').then(t => t.trim()).catch(() => '');
const waitCount = (page, text) => page.waitForFunction(t => {
  const c = document.querySelector('#preview-count');
  return c && c.textContent.trim() === t;
}, text, { timeout: 15000 });
try {
  const out = { errors: [] };
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.on('pageerror', e => out.errors.push(String(e)));
  page.on('console', m => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) out.errors.push(m.text()); });
  await signIn(page, url);
  await page.goto(url + '/builder');
  out.fields = await page.locator('#fields [data-field]').count();
  await page.dragAndDrop('[data-field=region]', '[data-well=dimensions]');
  await page.dragAndDrop('[data-field=revenue]', '[data-well=measures]');
  await waitCount(page, '8 rows');
  out.afterDrag = await count(page);
  out.chart = await page.locator('#preview svg').count();
  out.sql = (await page.textContent('#compiled-sql')).trim();
  out.firstRows = await page.locator('#preview table tbody tr').count();
  // Keyboard: focus channel's "Add to…" menu and choose Dimensions by typing.
  await page.focus('[data-field=channel] .add-to');
  await page.keyboard.press('d');
  await waitCount(page, '32 rows');
  out.afterKeyboard = await count(page);
  out.dimensionOrder = await page.locator('[data-well=dimensions] .item').evaluateAll(els => els.map(e => e.dataset.itemField));
  await page.click('[data-well=dimensions] .item:nth-child(2) button[aria-label="Move up"]');
  await page.waitForFunction(() => document.querySelector('[data-well=dimensions] .item').dataset.itemField === 'channel');
  out.reordered = await page.locator('[data-well=dimensions] .item').evaluateAll(els => els.map(e => e.dataset.itemField));
  // Back to one dimension for the saved report.
  await page.click('[data-well=dimensions] .item:nth-child(1) button[aria-label="Remove"]');
  await waitCount(page, '8 rows');
  // A field dropped into Filters has no value yet: marked incomplete, not applied, no red.
  await page.dragAndDrop('[data-field=region]', '[data-well=filters]');
  await page.waitForSelector('#preview .incomplete-note', { timeout: 15000 });
  out.incomplete = {
    note: (await page.textContent('[data-well=filters] .item .incomplete-note')).trim(),
    marked: await page.locator('[data-well=filters] .item.incomplete').count(),
    red: await page.locator('.well .item.has-error, #preview .error-box').count(),
    rows: await count(page),
  };
  if (shots) await page.screenshot({ path: shots + '/builder-incomplete-1366.png', fullPage: true });
  await page.fill('[data-well=filters] input[aria-label="region value"]', 'North, South');
  await page.press('[data-well=filters] input[aria-label="region value"]', 'Tab');
  await waitCount(page, '2 rows');
  out.applied = {
    rows: await count(page),
    marked: await page.locator('[data-well=filters] .item.incomplete').count(),
  };
  await page.click('[data-well=filters] .item:nth-child(1) button[aria-label="Remove"]');
  await waitCount(page, '8 rows');
  if (shots) await page.screenshot({ path: shots + '/builder-1366.png', fullPage: true });
  await page.fill('#save input[name=name]', 'Revenue by region (builder)');
  await page.fill('#save input[name=tags]', 'builder, regions');
  await Promise.all([page.waitForNavigation(), page.click('#save button[type=submit]')]);
  out.savedAt = new URL(page.url()).pathname;
  out.savedNotice = await page.locator('#saved').count();
  out.savedCharts = await page.locator('figure.chart svg').count();
  if (shots) {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(phone, url);
    await phone.goto(url + '/builder');
    await phone.selectOption('[data-field=order_date] .add-to', 'dimensions');
    await phone.selectOption('[data-field=units] .add-to', 'measures');
    await phone.waitForSelector('#preview svg', { timeout: 15000 });
    await phone.screenshot({ path: shots + '/builder-390.png', fullPage: true });
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
