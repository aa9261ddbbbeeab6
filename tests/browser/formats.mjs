// Names and formats in the builder: revenue twice (the value, then its change vs the previous
// region), the second one named and labelled in its measure editor with the keyboard, the
// preview showing signed percentages; saved; the report page looked at.
// Usage: node formats.mjs URL build | node formats.mjs URL look PATH NAME (screenshots only).
// Prints one JSON line. SCREENSHOT_DIR: where to put pictures.
import { chromium } from 'playwright-core';
import { signIn } from './session.mjs';

const [url, mode, path, name] = process.argv.slice(2);
const shots = process.env.SCREENSHOT_DIR;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const shot = async (page, file) => { if (shots) await page.screenshot({ path: `${shots}/${file}`, fullPage: true }); };
try {
  const out = { errors: [] };
  const watch = page => {
    page.on('pageerror', e => out.errors.push(String(e)));
    page.on('console', m => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource') && !m.text().startsWith('htmx:')) out.errors.push(m.text()); });
  };
  if (mode === 'look') {
    for (const width of [1366, 390]) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      watch(page);
      await signIn(page, url);
      await page.goto(url + path, { waitUntil: 'networkidle' });
      await shot(page, `${name}-${width}.png`);
      const names = page.locator('#column-names');
      if (shots && await names.count()) await names.screenshot({ path: `${shots}/${name}-names-${width}.png` });
      out[`cells${width}`] = await page.locator('table td').allTextContents();
    }
    console.log(JSON.stringify(out));
  } else {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    watch(page);
    await signIn(page, url);
    await page.goto(url + '/builder');
    await page.selectOption('[data-field=region] .add-to', 'dimensions');
    await page.selectOption('[data-field=revenue] .add-to', 'measures');
    await page.selectOption('[data-field=revenue] .add-to', 'measures');
    await page.waitForFunction(() => document.querySelectorAll('[data-well=measures] .item').length === 2);
    await page.locator('[data-well=measures] .item').nth(1).locator('select[aria-label="Show revenue as"]').selectOption('change_vs_previous');
    // The second measure's editor, by keyboard: focus its summary, open it, type a label.
    const summary = page.locator('[data-measure-editor="1"] summary');
    await summary.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-measure-editor="1"][open] input[name=label]');
    out.defaultName = await page.getAttribute('[data-measure-editor="1"] input[name=as]', 'placeholder');
    out.defaultLabel = await page.getAttribute('[data-measure-editor="1"] input[name=label]', 'placeholder');
    await page.focus('[data-measure-editor="1"] input[name=label]');
    await page.keyboard.type('Change vs previous region');
    await page.keyboard.press('Tab');
    await page.waitForFunction(() => [...document.querySelectorAll('#preview th')].some(th => th.textContent.includes('Change vs previous region')), null, { timeout: 15000 });
    out.stillOpen = await page.locator('[data-measure-editor="1"][open]').count();
    out.headers = (await page.locator('#preview table th').allTextContents()).map(s => s.trim());
    out.cells = (await page.locator('#preview table tbody td').allTextContents()).map(s => s.trim());
    out.error = await page.locator('#preview .error, #preview [role=alert]').count();
    await shot(page, 'builder-measures-1366.png');
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    watch(phone);
    await signIn(phone, url);
    await phone.goto(url + '/builder');
    await phone.selectOption('[data-field=region] .add-to', 'dimensions');
    await phone.selectOption('[data-field=revenue] .add-to', 'measures');
    await phone.click('[data-measure-editor="0"] summary');
    await phone.selectOption('[data-measure-editor="0"] select', 'currency');
    await phone.waitForSelector('[data-measure-editor="0"] input[name=currency]');
    await phone.waitForFunction(() => [...document.querySelectorAll('#preview td')].some(td => td.textContent.includes('$')), null, { timeout: 15000 });
    await shot(phone, 'builder-measures-390.png');
    await page.fill('#save input[name=name]', 'Revenue and change (builder)');
    await Promise.all([page.waitForNavigation(), page.click('#save button[type=submit]')]);
    out.savedAt = new URL(page.url()).pathname;
    out.savedHeaders = (await page.locator('table th').allTextContents()).map(s => s.trim());
    out.savedCells = (await page.locator('table tbody td').allTextContents()).map(s => s.trim());
    console.log(JSON.stringify(out));
  }
} finally {
  await browser.close();
}
