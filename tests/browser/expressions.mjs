// Calculated columns and measures in the builder, as a person types them: a mistake is shown
// under the input with the character marked, the column's kind appears once it compiles, the
// column is renamed and measured; a calculated measure beside it; saved. Prints one JSON line.
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
const waitCount = (page, text) => page.waitForFunction(t => {
  const c = document.querySelector('#preview-count');
  return c && c.textContent.trim() === t;
}, text, { timeout: 15000 });
const error = async (page, scope, words) => {
  await page.waitForFunction(([s, w]) => {
    const e = document.querySelector(s + ' .expr-error span');
    return e && e.textContent.includes(w);
  }, [scope, words], { timeout: 15000 });
  return {
    text: (await page.textContent(scope + ' .expr-error span')).trim(),
    marked: await page.textContent(scope + ' .expr-error mark'),
  };
};
try {
  const out = { errors: [] };
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.on('pageerror', e => out.errors.push(String(e)));
  page.on('console', m => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) out.errors.push(m.text()); });
  await signIn(page, url);
  await page.goto(url + '/builder');
  await page.dragAndDrop('[data-field=region]', '[data-well=dimensions]');
  await waitCount(page, '8 rows');
  // A calculated column, typed with a mistake: told where, as the user types.
  await page.click('[data-action="add-expression"]');
  out.focused = await page.evaluate(() => document.activeElement.getAttribute('aria-label'));
  await page.keyboard.type('revenue - costs');
  out.emptyIsQuiet = await page.locator('.expr-error').count();
  out.mistake = await error(page, '#calculated', 'costs');
  if (shots) await page.screenshot({ path: shots + '/expressions-error-1366.png', fullPage: true });
  await page.fill('#calculated .expr-input', 'revenue - cost');
  await page.waitForFunction(() => !document.querySelector('.expr-error') && document.querySelector('#preview-count'), null, { timeout: 15000 });
  await page.waitForFunction(() => document.querySelector('#calculated em.kind').textContent === 'number', null, { timeout: 15000 });
  out.kind = await page.textContent('#calculated em.kind');
  // Renamed, then measured like any number field.
  await page.fill('#calculated input.calc-name', 'margin');
  await page.press('#calculated input.calc-name', 'Tab');
  await page.selectOption('#calculated [data-field=margin] .add-to', 'measures');
  await page.waitForFunction(() => [...document.querySelectorAll('#preview th')].some(t => /margin/i.test(t.textContent)), null, { timeout: 15000 });
  // A calculated measure: a mistake, then right.
  await page.click('[data-action="add-calculated-measure"]');
  await page.keyboard.type('sum(revenue) / sum(units');
  out.measureMistake = await error(page, '[data-well=measures]', 'expected');
  await page.fill('[data-well=measures] .expr-input', 'round(sum(revenue) / sum(units), 2)');
  await page.waitForFunction(() => !document.querySelector('.expr-error') && document.querySelectorAll('#preview th').length === 3, null, { timeout: 15000 });
  out.headers = await page.locator('#preview th').evaluateAll(els => els.map(e => e.textContent.trim()));
  out.firstRow = await page.locator('#preview tbody tr:first-child td').evaluateAll(els => els.map(e => e.textContent.trim()));
  out.sql = (await page.textContent('#compiled-sql')).trim();
  // Both measures are drawn: bars side by side, then the small one on a second axis.
  out.legend = await page.locator('#preview svg text').evaluateAll(els => els.map(e => e.textContent.trim()).filter(t => /Margin|Measure 1/.test(t)));
  await page.click('[data-well=measures] .item:nth-child(2) summary');
  await page.check('[aria-label="Second axis for measure 2"]');
  await page.waitForFunction(() => [...document.querySelectorAll('#preview svg text')].some(t => t.textContent.includes('(right)')), null, { timeout: 15000 });
  out.legend2 = await page.locator('#preview svg text').evaluateAll(els => els.map(e => e.textContent.trim()).filter(t => /Margin|Measure 1/.test(t)));
  if (shots) await page.screenshot({ path: shots + '/expressions-1366.png', fullPage: true });
  await page.fill('#save input[name=name]', 'Margin by region');
  await Promise.all([page.waitForNavigation(), page.click('#save button[type=submit]')]);
  out.savedAt = new URL(page.url()).pathname;
  // Opened again in the builder: the calculated column, the calculated measure and its second
  // axis are back, and the preview draws them.
  await page.goto(url + '/builder?report=' + out.savedAt.split('/').pop());
  try {
    await page.waitForFunction(() => [...document.querySelectorAll('#preview svg text')].some(t => t.textContent.includes('(right)')), null, { timeout: 15000 });
  } catch (e) {
    out.reopenPreview = (await page.innerHTML('#preview')).slice(0, 600);
    out.draftSpec = (await page.inputValue('#draft input[name=spec]')).slice(0, 600);
  }
  out.reopened = {
    column: await page.inputValue('#calculated input.calc-name'),
    expr: await page.inputValue('#calculated .expr-input'),
    measureExpr: await page.inputValue('[data-well=measures] .expr-input'),
  };
  // On a phone, a calculated column alone: checked before anything is grouped or measured.
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(phone, url);
  await phone.goto(url + '/builder');
  await phone.click('[data-action="add-expression"]');
  await phone.keyboard.type('if(units > 3, "bulk", retail)');
  out.alone = await error(phone, '#calculated', 'retail');
  if (shots) await phone.screenshot({ path: shots + '/expressions-390.png', fullPage: true });
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
