// On /schedules/new: picks "weekly", a weekday, a time and a zone, watches the live preview
// follow without a reload, fills recipient and parameter rows (adding a row by clicking "Add
// recipient", removing one), submits, and reports where it landed and what was stored. Then,
// on a fresh form, picks REPORT (a report with enum, date and number parameters) and reports
// the values each parameter row's value field offers as its parameter is chosen.
// Usage: node schedules.mjs URL REPORT  → prints one JSON line.
// SCREENSHOT_FORM / SCREENSHOT_LIST: where to save pictures of the form and the list.
import { launch, signIn } from './session.mjs';

const url = process.argv[2];
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, url);
  let loads = 0;
  page.on('load', () => loads++);
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(url + '/schedules/new');
  const preview = () => page.textContent('#cron-preview').then(t => t.replace(/\s+/g, ' ').trim());
  const before = await preview();
  await page.selectOption('select[name=report_id]', { label: 'Sales overview' });
  await page.fill('input[name=name]', 'Browser weekly');
  await page.click('.frequency label:has(input[value=weekly])');
  const weekdayShown = await page.isVisible('select[name=weekday]');
  const cronShown = await page.isVisible('input[name=cron]');
  await page.selectOption('select[name=weekday]', '3');
  await page.fill('input[name=time]', '07:30');
  await page.fill('input[name=timezone]', 'Europe/Paris');
  await page.waitForFunction(() => {
    const box = document.querySelector('#cron-preview');
    return box.textContent.includes('Europe/Paris') && box.textContent.includes('07:30')
      && box.querySelectorAll('.preview-times li').length === 5;
  });
  const after = await preview();
  const times = await page.locator('#cron-preview .preview-times li').allTextContents();
  // A bad zone is reported in place, then fixed again.
  await page.fill('input[name=timezone]', 'Mars/Olympus');
  await page.waitForSelector('#cron-preview .preview-error');
  const zoneError = (await page.textContent('#cron-preview .preview-error')).trim();
  await page.fill('input[name=timezone]', 'Europe/Paris');
  await page.waitForSelector('#cron-preview .preview-times');
  const loadsBeforeSubmit = loads;
  // Rows: the blank recipient row, then one added by clicking, then a third added and removed.
  const addresses = 'input[name=recipient_address]';
  await page.fill(addresses, 'team@example.com');
  await page.click('button:has-text("Add recipient")');
  const rowsAfterAdd = await page.locator(addresses).count();
  const added = page.locator('#recipient-rows [data-row]').nth(1);
  await added.locator('select[name=recipient_type]').selectOption('slack');
  await added.locator(addresses).fill('https://hooks.example.com/browser');
  await page.click('button:has-text("Add recipient")');
  await page.locator('#recipient-rows [data-row]').nth(2).locator('button.remove').click();
  const rowsAfterRemove = await page.locator(addresses).count();
  await page.selectOption('select[name=param_name]', 'days');
  await page.fill('input[name=param_value]', '14');
  const paramChoices = await page.locator('select[name=param_name] option').allTextContents();
  const loadsAfterRows = loads;
  if (process.env.SCREENSHOT_FORM) await page.screenshot({ path: process.env.SCREENSHOT_FORM, fullPage: true });
  await Promise.all([
    page.waitForURL(/\/schedules\/[0-9a-f-]{36}$/),
    page.click('form.schedule-form button.primary'),
  ]);
  const landed = new URL(page.url()).pathname;
  const title = (await page.textContent('h1')).replace(/\s+/g, ' ').trim();
  const definition = (await page.textContent('dl.definition')).replace(/\s+/g, ' ').trim();
  const id = landed.split('/').pop();
  const stored = await page.evaluate(async id => (await fetch('/api/v1/schedules/' + id)).json(), id);
  await page.goto(url + '/schedules');
  const listed = await page.locator('table.schedules tbody tr').count();
  if (process.env.SCREENSHOT_LIST) await page.screenshot({ path: process.env.SCREENSHOT_LIST, fullPage: true });
  // The values a row's value field offers: its datalist, named by the field's `list`.
  await page.goto(url + '/schedules/new');
  await page.selectOption('select[name=report_id]', process.argv[3]);
  const offered = async row => {
    const r = page.locator('#parameter-rows [data-row]').nth(row);
    const list = await r.locator('input[name=param_value]').getAttribute('list');
    return page.locator(`datalist#${list} option`).evaluateAll(os => os.map(o => o.value));
  };
  const paramRow = i => page.locator('#parameter-rows [data-row]').nth(i).locator('select[name=param_name]');
  await paramRow(0).selectOption('region');
  const offeredEnum = await offered(0);
  await page.click('button:has-text("Add parameter")');
  const offeredAdded = await offered(1);
  await paramRow(1).selectOption('since');
  const offeredDate = await offered(1);
  const offeredEnumStill = await offered(0);
  await paramRow(0).selectOption('min_units');
  const offeredNumber = await offered(0);
  console.log(JSON.stringify({
    before, after, times, zoneError, weekdayShown, cronShown, loadsBeforeSubmit,
    landed, title, definition, listed, errors, rowsAfterAdd, rowsAfterRemove, paramChoices,
    loadsAfterRows, recipients: stored.recipients, parameters: stored.parameters,
    offeredEnum, offeredAdded, offeredDate, offeredEnumStill, offeredNumber,
  }));
} finally {
  await browser.close();
}
