// A browser in New York (the context's timezoneId): after signing in, /schedules and /exports
// show times in New York time, named, because the page script told the server the browser's
// zone (the `tz` cookie). Then the user picks Asia/Tokyo on /account/settings and the same
// page follows the setting. Usage: node zone.mjs URL  → prints one JSON line.
// SCREENSHOT_SETTINGS: where to save a picture of the settings page.
import { launch, signIn } from './session.mjs';

const url = process.argv[2];
const browser = await launch();
try {
  const context = await browser.newContext({ timezoneId: 'America/New_York', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  await signIn(page, url);
  const cookie = (await context.cookies()).find(c => c.name === 'tz');
  await page.goto(url + '/schedules');
  const next = (await page.textContent('table.schedules tbody td.next')).trim();
  const stored = await page.evaluate(async () => (await (await fetch('/api/v1/schedules')).json())[0].nextRunAt);
  await page.goto(url + '/account/settings');
  const settingsBefore = (await page.textContent('form.settings-form .hint')).replace(/\s+/g, ' ').trim();
  await page.selectOption('select[name=time_zone]', 'Asia/Tokyo');
  await Promise.all([page.waitForURL(/saved=1/), page.click('form.settings-form button[type=submit]')]);
  if (process.env.SCREENSHOT_SETTINGS) await page.screenshot({ path: process.env.SCREENSHOT_SETTINGS, fullPage: true });
  await page.goto(url + '/schedules');
  const nextAfter = (await page.textContent('table.schedules tbody td.next')).trim();
  console.log(JSON.stringify({ cookie: cookie && cookie.value, next, stored, settingsBefore, nextAfter, errors }));
} finally {
  await browser.close();
}
