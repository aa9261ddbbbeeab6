// A join in the builder, as a person makes it: "+ Join a dataset", products, the key offered
// from matching names, Join; a joined field grouped by; the preview says the rows before and
// after (a repeated product key is warned about); removed again. Prints one JSON line.
// SCREENSHOT_DIR: where to put pictures.
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
  for (const width of [1366, 390]) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    page.on('pageerror', e => out.errors.push(String(e)));
    page.on('console', m => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) out.errors.push(m.text()); });
    await signIn(page, url);
    await page.goto(url + '/builder?table=sales');
    await page.click('[data-action="add-join"]');
    await page.selectOption('[name=join-dataset]', 'products');
    await page.waitForFunction(() => document.querySelector('[name=join-right]').options.length > 0, null, { timeout: 15000 });
    if (width === 390) {
      if (shots) await page.screenshot({ path: shots + '/joins-form-390.png', fullPage: true });
      await page.close();
      continue;
    }
    await page.selectOption('[name=join-type]', 'inner');
    out.suggested = {
      left: await page.inputValue('[name=join-left]'),
      right: await page.inputValue('[name=join-right]'),
      hint: (await page.textContent('#join-hint')).trim(),
    };
    await page.click('[data-action="join"]');
    await page.waitForSelector('#fields [data-field="products.category"]', { timeout: 15000 });
    out.joinedFields = await page.locator('#fields .field.joined').count();
    out.formHidden = await page.locator('#join-form').isHidden();
    await page.selectOption('#fields [data-field="products.category"] .add-to', 'dimensions');
    await page.selectOption('#fields [data-field=revenue] .add-to', 'measures');
    await page.waitForSelector('#preview .join-rows', { timeout: 15000 });
    const rows = page.locator('#preview .join-rows');
    out.joinRows = {
      before: await rows.getAttribute('data-before'),
      after: await rows.getAttribute('data-after'),
      warned: await page.locator('#preview .join-rows.warn').count(),
      text: (await rows.textContent()).replace(/\s+/g, ' ').trim(),
    };
    out.categories = await page.locator('#preview tbody tr td:first-child').evaluateAll(els => els.map(e => e.textContent.trim()));
    // Saved, then opened again in the builder: the join and its fields are back.
    await page.fill('#save input[name=name]', 'Revenue by category');
    await Promise.all([page.waitForNavigation(), page.click('#save button[type=submit]')]);
    const saved = new URL(page.url()).pathname.split('/').pop();
    await page.goto(url + '/builder?report=' + saved);
    await page.waitForSelector('#fields [data-field="products.category"]', { timeout: 15000 });
    await page.waitForSelector('#preview .join-rows', { timeout: 15000 });
    out.reopened = {
      joins: await page.locator('#joins li').count(),
      joined: await page.locator('#fields .field.joined').count(),
      rows: await page.locator('#preview tbody tr').count(),
    };
    if (shots) await page.screenshot({ path: shots + '/joins-1366.png', fullPage: true });
    // The join was remembered: a new page offers its rows to keep and keys, and says so.
    const again = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await signIn(again, url);
    await again.goto(url + '/builder?table=sales');
    await again.click('[data-action="add-join"]');
    await again.selectOption('[name=join-dataset]', 'products');
    await again.waitForFunction(() => document.querySelector('#join-hint').textContent.includes('remembered'), null, { timeout: 15000 });
    out.remembered = { type: await again.inputValue('[name=join-type]'), hint: (await again.textContent('#join-hint')).trim() };
    await again.close();
    // Removed: the saved bar chart has lost its dimension and says what it needs; back on
    // Automatic, the revenue alone is a KPI.
    await page.click('button[aria-label="Remove the join of products"]');
    await page.waitForSelector('#preview .error-box', { timeout: 15000 });
    out.barWithout = (await page.textContent('#preview .error-box')).trim();
    await page.selectOption('#chart', 'auto');
    await page.waitForSelector('#preview #preview-count', { timeout: 15000 });
    await page.waitForFunction(() => !document.querySelector('#fields .field.joined') && !document.querySelector('#preview .join-rows'), null, { timeout: 15000 });
    out.afterRemove = (await page.textContent('#preview')).replace(/\s+/g, ' ').trim().slice(0, 80);
    await page.close();
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
