// On /schedules/new: picks "weekly", a weekday, a time and a zone, watches the live preview
// follow without a reload, submits, and reports where it landed.
// Usage: node schedules.mjs URL  → prints one JSON line.
// SCREENSHOT_FORM / SCREENSHOT_LIST: where to save pictures of the form and the list.
import { chromium } from 'playwright-core';
import { signIn } from './session.mjs';

const url = process.argv[2];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
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
  await page.fill('textarea[name=recipients]', 'team@example.com');
  if (process.env.SCREENSHOT_FORM) await page.screenshot({ path: process.env.SCREENSHOT_FORM, fullPage: true });
  await Promise.all([
    page.waitForURL(/\/schedules\/[0-9a-f-]{36}$/),
    page.click('form.schedule-form button[type=submit]'),
  ]);
  const landed = new URL(page.url()).pathname;
  const title = (await page.textContent('h1')).replace(/\s+/g, ' ').trim();
  const definition = (await page.textContent('dl.definition')).replace(/\s+/g, ' ').trim();
  await page.goto(url + '/schedules');
  const listed = await page.locator('table.schedules tbody tr').count();
  if (process.env.SCREENSHOT_LIST) await page.screenshot({ path: process.env.SCREENSHOT_LIST, fullPage: true });
  console.log(JSON.stringify({
    before, after, times, zoneError, weekdayShown, cronShown, loadsBeforeSubmit,
    landed, title, definition, listed, errors,
  }));
} finally {
  await browser.close();
}
