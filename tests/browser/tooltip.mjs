// Chart tooltips (static/tooltip.js): on a phone (touch) a tap on a bar shows its value; on a
// laptop a hover over a dashboard widget's chart (loaded by htmx) does, and leaving hides it.
// With SCREENSHOT_DIR, a picture of each tooltip. Usage: node tooltip.mjs URL REPORT_PATH DASHBOARD_PATH
import { launch, signIn } from './session.mjs';

const [url, reportPath, dashboardPath] = process.argv.slice(2);
const shots = process.env.SCREENSHOT_DIR;
const browser = await launch();
const out = { errors: [] };

// The tooltip as shown: its text and whether it is inside the window.
const shown = page => page.evaluate(() => {
  const tip = document.querySelector('.chart-tip');
  if (!tip || tip.hidden) return null;
  const r = tip.getBoundingClientRect();
  const doc = document.documentElement;
  return {
    text: tip.innerText.replace(/\s+/g, ' ').trim(),
    inside: r.left >= 0 && r.top >= 0 && r.right <= doc.clientWidth && r.bottom <= window.innerHeight,
  };
});

try {
  // A phone: touch only.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  let page = await phone.newPage();
  page.on('pageerror', e => out.errors.push(String(e)));
  await signIn(page, url);
  await page.goto(url + reportPath, { waitUntil: 'networkidle' });
  const bar = page.locator('.chart-narrow a.mark[data-tip]').filter({ has: page.locator('rect') }).first();
  await bar.scrollIntoViewIfNeeded();
  out.phoneTip = await bar.getAttribute('data-tip');
  out.phoneBefore = await shown(page);
  await bar.tap();
  await page.waitForTimeout(200);
  out.phone = await shown(page);
  if (shots) await page.screenshot({ path: `${shots}/tooltip-390.png` });
  // A tap elsewhere hides it.
  await page.locator('h1').tap();
  await page.waitForTimeout(100);
  out.phoneAfter = await shown(page);
  // The title stays for screen readers.
  out.phoneTitle = await bar.locator('title').textContent();
  await phone.close();

  // A laptop: a dashboard's chart, swapped in by htmx.
  const laptop = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  page = await laptop.newPage();
  page.on('pageerror', e => out.errors.push(String(e)));
  await signIn(page, url);
  await page.goto(url + dashboardPath);
  await page.waitForFunction(() => document.querySelectorAll('#grid .loading').length === 0, null, { timeout: 30000 });
  const mark = page.locator('#grid .chart-wide a.mark[data-tip], #grid figure > svg a.mark[data-tip]').first();
  await mark.scrollIntoViewIfNeeded();
  out.laptopTip = await mark.getAttribute('data-tip');
  await mark.hover();
  await page.waitForTimeout(200);
  out.laptop = await shown(page);
  // While ours shows, the browser's own (the <title>) is quiet; it comes back after.
  out.laptopTitleWhileShown = await mark.locator('title').textContent();
  if (shots) await page.screenshot({ path: `${shots}/tooltip-1366.png` });
  await page.mouse.move(2, 2);
  await page.waitForTimeout(100);
  out.laptopAfter = await shown(page);
  out.laptopTitleAfter = await mark.locator('title').textContent();
  await laptop.close();
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
