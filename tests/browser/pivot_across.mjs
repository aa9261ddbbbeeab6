// The builder's Across control for a pivot table (static/builder.js): shown for a pivot of two
// dimensions, chosen with the keyboard; the preview puts that dimension's values across the
// columns, and "None" puts every dimension down the rows. The forecast controls show for line
// charts only, not for a pivot. Usage: node pivot_across.mjs URL REPORT_ID
import { launch, signIn } from './session.mjs';

const [url, id] = process.argv.slice(2);
const browser = await launch();
const out = { errors: [] };
const heads = page => page.$$eval('#preview table.pivot thead th', t => t.map(x => x.textContent.trim()));

try {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  page.on('pageerror', e => out.errors.push(String(e)));
  await signIn(page, url);
  await page.goto(url + '/builder?report=' + id, { waitUntil: 'networkidle' });
  await page.waitForSelector('#preview table.pivot');
  out.shown = await page.isVisible('#across');
  out.forecastForPivot = await page.isVisible('#chart-ahead');
  out.options = await page.$$eval('#across option', o => o.map(x => x.value));
  out.before = await heads(page);
  out.start = await page.inputValue('#across');
  // Keyboard: focus the control, go up from the saved one (channel) to the first dimension.
  await page.focus('#across');
  await page.keyboard.press('ArrowUp');
  await page.waitForFunction(() => [...document.querySelectorAll('#preview table.pivot thead th')]
    .some(t => t.textContent.trim() === 'North'));
  out.chosen = await page.inputValue('#across');
  out.across = await heads(page);
  await page.selectOption('#across', '-');
  await page.waitForFunction(() => ![...document.querySelectorAll('#preview table.pivot thead th')]
    .some(t => ['North', 'Online'].includes(t.textContent.trim())));
  out.none = await heads(page);
  // Another chart hides it.
  await page.selectOption('#chart', 'bar');
  out.hiddenForBars = !(await page.isVisible('#across'));
  await page.selectOption('#chart', 'line');
  out.forecastForLines = await page.isVisible('#chart-ahead');
} catch (e) {
  out.errors.push(String(e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
