// Date filters on a dashboard of 2025 data looked at today (issue 23, item 4): a calendar
// preset shows no data and says where the data ends; "Last 30 days of data" shows it; "Custom
// range…" reveals two dates, and Apply puts `from..to` in the URL, redraws the widgets in
// place and says the period in words. Args: base URL, dashboard id (tests/it/dates.rs's
// dated_board). Prints one JSON line. SCREENSHOT_DIR: where to put pictures.
import { launch, signIn } from './session.mjs';

const [url, board] = process.argv.slice(2);
const shots = process.env.SCREENSHOT_DIR;
const browser = await launch();
const line = '#grid [data-widget-id="line"]';
const svgText = page => page.evaluate(s => {
  const svg = document.querySelector(s + ' svg');
  return svg ? svg.textContent : '';
}, line);
const period = page => page.textContent('[data-range=period] + .period').then(t => t.trim()).catch(() => '');
try {
  const out = { errors: [] };
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.on('pageerror', e => out.errors.push(String(e)));
  await signIn(page, url);
  await page.goto(url + '/dashboards/' + board + '?f.period=last_30_days');
  await page.waitForSelector(line + ' svg');
  out.calendar = { noData: (await svgText(page)).includes('No data'),
                   hint: (await page.textContent('[data-range=period] ~ .data-ends')).trim() };
  await page.selectOption('select[name="f.period"]', 'data_last_30_days');
  await page.click('#filters button[type=submit]');
  await page.waitForFunction(() => /of data/.test((document.querySelector('.period') || {}).textContent || ''));
  await page.waitForSelector(line + ' svg');
  out.ofData = { period: await period(page), noData: (await svgText(page)).includes('No data') };
  // Custom range: the two dates appear once it is chosen.
  const before = await svgText(page);
  out.daysHiddenBefore = await page.locator('[data-range=period] .range-days').isHidden();
  await page.selectOption('select[name="f.period"]', { label: 'Custom range…' });
  out.daysShown = await page.locator('[data-range=period] .range-days').isVisible();
  await page.fill('[data-range=period] [data-range-from]', '2025-04-01');
  await page.fill('[data-range=period] [data-range-to]', '2025-06-30');
  await page.click('#filters button[type=submit]');
  await page.waitForFunction(() => location.search.includes('2025-04-01..2025-06-30'));
  await page.waitForFunction(b => {
    const svg = document.querySelector('#grid [data-widget-id="line"] svg');
    return svg && svg.textContent !== b && !document.querySelector('#grid [data-widget-id="line"] .loading');
  }, before);
  out.custom = { url: page.url(), period: await period(page), ticks: (await svgText(page)).match(/Apr 2025|May|Jun/g),
                 daysShown: await page.locator('[data-range=period] .range-days').isVisible(),
                 from: await page.inputValue('[data-range=period] [data-range-from]'), to: await page.inputValue('[data-range=period] [data-range-to]') };
  if (shots) await page.screenshot({ path: shots + '/dates-custom-1366.png', fullPage: true });
  if (shots) {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(phone, url);
    await phone.goto(page.url());
    await phone.waitForSelector(line + ' svg');
    await phone.screenshot({ path: shots + '/dates-custom-390.png', fullPage: true });
    await phone.goto(url + '/dashboards/' + board + '?f.period=last_30_days');
    await phone.waitForSelector(line + ' svg');
    await phone.screenshot({ path: shots + '/dates-hint-390.png', fullPage: false });
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
