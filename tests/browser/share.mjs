// The Share dialog in a browser: on BOARD (a dashboard with a `period` filter) set the filter,
// Share, make a link (an embed, 7 days), read it from input#share-url, open it in a fresh
// context with no cookies and read the locked values; the row [data-share-id] is listed; revoke
// it, and the link says not found. Then the same on REPORT's page (make + row), and the
// dialog on a phone. Usage: node share.mjs URL BOARD REPORT → one JSON line.
// SCREENSHOT_DIR: pictures of the dialog at 1366 and 390 px.
import { launch, signIn } from './session.mjs';

const [url, board, report] = process.argv.slice(2);
const shots = process.env.SCREENSHOT_DIR;
const browser = await launch();

// Opens the dialog on the current page and waits for its form.
async function openDialog(page) {
  await page.click('[data-action="share"]');
  await page.waitForSelector('#share-dialog[open] .share-form');
}

// Makes a link with the dialog's form; returns the URL it shows.
async function create(page, { embed = false, expires } = {}) {
  if (expires !== undefined) await page.selectOption('#share-dialog select[name=expires]', expires);
  if (embed) await page.check('#share-dialog input[name=embed]');
  await page.click('#share-dialog .share-form button[type=submit]');
  await page.waitForSelector('input#share-url');
  return page.inputValue('input#share-url');
}

try {
  const out = { errors: [] };
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.on('pageerror', e => out.errors.push(String(e)));
  page.on('dialog', d => { out.confirm = d.message(); d.accept(); });
  await signIn(page, url);

  // The filter set on the page, as a person would: the bar, Apply.
  await page.goto(url + '/dashboards/' + board);
  await page.fill('input[name="f.period"]', '30');
  await page.click('#filters button[type=submit]');
  await page.waitForFunction(() => location.search.includes('f.period=30'));
  await page.waitForSelector('#kpi-revenue .kpi-value');
  await openDialog(page);
  out.shows = (await page.textContent('#share-dialog .share-shows')).replace(/\s+/g, ' ').trim();
  out.rowsBefore = await page.locator('#share-dialog [data-share-id]').count();
  out.embedNoteBefore = await page.isVisible('#share-dialog .share-embed-note');
  if (shots) await page.screenshot({ path: shots + '/share-dialog-1366.png' });
  out.url = await create(page, { embed: true, expires: '7' });
  out.readonly = await page.getAttribute('input#share-url', 'readonly') !== null;
  out.embedCode = await page.inputValue('#share-embed');
  out.embedNote = (await page.textContent('.share-made p')).trim();
  out.rows = await page.locator('#share-dialog [data-share-id]').count();
  out.row = (await page.textContent('#share-dialog [data-share-id]')).replace(/\s+/g, ' ').trim();
  if (shots) await page.screenshot({ path: shots + '/share-made-1366.png' });

  // Whoever has the link: no cookies, the values locked.
  const stranger = await browser.newContext();
  const anon = await stranger.newPage({ viewport: { width: 1366, height: 900 } });
  anon.on('pageerror', e => out.errors.push('shared: ' + String(e)));
  const opened = await anon.goto(out.url);
  out.sharedStatus = opened.status();
  out.locked = (await anon.textContent('#locked')).replace(/\s+/g, ' ').trim();
  await anon.waitForSelector('#kpi-revenue .kpi-value');
  out.sharedRevenue = (await anon.textContent('#kpi-revenue .kpi-value')).trim();
  out.sharedHasShare = await anon.locator('[data-action="share"]').count();
  if (shots) await anon.screenshot({ path: shots + '/share-page-1366.png' });

  // Revoke: asked to confirm, the row goes, the link stops.
  const id = await page.getAttribute('#share-dialog [data-share-id]', 'data-share-id');
  await page.click(`#share-dialog [data-share-id="${id}"] [data-action="revoke"]`);
  await page.waitForSelector(`[data-share-id="${id}"]`, { state: 'detached' });
  out.rowsAfterRevoke = await page.locator('#share-dialog [data-share-id]').count();
  const again = await anon.goto(out.url);
  out.revokedStatus = again.status();
  out.revokedText = (await anon.textContent('body')).replace(/\s+/g, ' ').trim();
  await page.click('[data-action="close-share"]');
  out.closed = !(await page.evaluate(() => document.getElementById('share-dialog').open));

  // A report page: its parameters locked.
  await page.goto(url + '/reports/' + report + '?days=30');
  await openDialog(page);
  out.reportShows = (await page.textContent('#share-dialog .share-shows')).replace(/\s+/g, ' ').trim();
  out.reportUrl = await create(page);
  out.reportRows = await page.locator('#share-dialog [data-share-id]').count();
  const r = await anon.goto(out.reportUrl);
  out.reportSharedStatus = r.status();
  out.reportLocked = (await anon.textContent('#locked')).replace(/\s+/g, ' ').trim();

  // On a phone the dialog fits the screen.
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  phone.on('pageerror', e => out.errors.push('phone: ' + String(e)));
  await signIn(phone, url);
  await phone.goto(url + '/dashboards/' + board + '?f.period=30');
  await openDialog(phone);
  await create(phone, { embed: true });
  const box = await phone.locator('#share-dialog').boundingBox();
  out.phoneBox = { left: Math.round(box.x), right: Math.round(box.x + box.width) };
  out.phoneScrollsSideways = await phone.evaluate(() => {
    const d = document.getElementById('share-dialog');
    return d.scrollWidth > d.clientWidth;
  });
  if (shots) {
    await phone.screenshot({ path: shots + '/share-dialog-390.png' });
    await phone.evaluate(() => { const d = document.getElementById('share-dialog'); d.scrollTop = d.scrollHeight; });
    await phone.screenshot({ path: shots + '/share-dialog-390-list.png' });
  }
  await stranger.close();
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
