// A question built on a saved one, as a person builds it: pick the saved question under
// "Saved questions" in the Table list, give its parameter, add region as a dimension with the
// keyboard and revenue as a measure with its menu, read the preview, save.
// Usage: node nested.mjs URL QUESTION_ID
import { launch, signIn } from './session.mjs';

const [url, id] = process.argv.slice(2);
const browser = await launch();
const out = { errors: [] };
const count = page => page.textContent('#preview-count').then(t => t.trim()).catch(() => '');

try {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  page.on('pageerror', e => out.errors.push(String(e)));
  page.on('console', m => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) out.errors.push(m.text()); });
  await signIn(page, url);
  await page.goto(url + '/builder', { waitUntil: 'networkidle' });
  out.offered = await page.$$eval('#table optgroup[label="Saved questions"] option', o => o.map(x => x.textContent.trim()));
  await Promise.all([page.waitForNavigation(), page.selectOption('#table', 'question:' + id)]);
  await page.waitForLoadState('networkidle');
  out.fields = await page.$$eval('#fields [data-field]', f => f.map(x => x.dataset.field + ':' + x.dataset.kind));
  out.params = await page.$$eval('#question-params input[data-param]', i => i.map(x => x.dataset.param));
  await page.fill('#question-params input[data-param=channel]', 'Retail');
  await page.press('#question-params input[data-param=channel]', 'Tab');
  // Keyboard: region's "Add to…" menu, Dimensions by typing.
  await page.focus('[data-field=region] .add-to');
  await page.keyboard.press('d');
  await page.selectOption('[data-field=revenue] .add-to', 'measures');
  await page.waitForFunction(() => {
    const c = document.querySelector('#preview-count');
    const sql = document.querySelector('#compiled-sql');
    return c && c.textContent.trim() === '8 rows' && sql && sql.textContent.includes('quire_n_channel');
  }, null, { timeout: 15000 });
  out.count = await count(page);
  out.sql = (await page.textContent('#compiled-sql')).trim();
  out.bound = (await page.textContent('#preview')).includes("'Retail'");
  out.rows = await page.$$eval('#preview table tbody tr', rs => rs.map(r => [...r.querySelectorAll('td')].map(c => c.textContent.trim())));
  await page.fill('#save input[name=name]', 'Retail revenue by region, from the monthly question');
  await Promise.all([page.waitForNavigation(), page.click('#save button[type=submit]')]);
  out.savedAt = new URL(page.url()).pathname;
  out.savedRows = await page.$$eval('table tbody tr', rs => rs.length);
} catch (e) {
  out.errors.push(String(e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
