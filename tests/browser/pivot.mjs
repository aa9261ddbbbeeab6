// A pivot table on a report page (templates/pivot.html, static/pivot.js): a region's row folds
// its channels away and back, Collapse all leaves the regions and the total, Expand all brings
// every row back; on a phone the table scrolls inside its card, not the page. With
// SCREENSHOT_DIR, pictures at 1366 and 390 px. Usage: node pivot.mjs URL REPORT_PATH
import { launch, signIn } from './session.mjs';

const [url, reportPath] = process.argv.slice(2);
const shots = process.env.SCREENSHOT_DIR;
const browser = await launch();
const out = { errors: [] };
const visible = page => page.locator('table.pivot tbody tr:visible').count();

try {
  const laptop = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  let page = await laptop.newPage();
  page.on('pageerror', e => out.errors.push(String(e)));
  await signIn(page, url);
  await page.goto(url + reportPath, { waitUntil: 'networkidle' });
  out.all = await visible(page);
  out.folds = await page.locator('button.pivot-toggle').count();
  if (shots) await page.screenshot({ path: `${shots}/pivot-1366.png`, fullPage: true });
  const first = page.locator('button.pivot-toggle').first();
  out.firstRegion = (await first.textContent()).trim();
  await first.click();
  out.afterFold = await visible(page);
  out.expanded = await first.getAttribute('aria-expanded');
  await first.click();
  out.afterUnfold = await visible(page);
  await page.getByRole('button', { name: 'Collapse all' }).click();
  out.collapsed = await visible(page);
  if (shots) await page.screenshot({ path: `${shots}/pivot-collapsed-1366.png` });
  // Unfolding one region shows its rows only.
  await first.click();
  out.oneOpen = await visible(page);
  await page.getByRole('button', { name: 'Expand all' }).click();
  out.expandedAll = await visible(page);
  await laptop.close();

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  page = await phone.newPage();
  page.on('pageerror', e => out.errors.push(String(e)));
  await signIn(page, url);
  await page.goto(url + reportPath, { waitUntil: 'networkidle' });
  out.phone = await page.evaluate(() => {
    const wrap = document.querySelector('.pivot-wrap');
    return {
      pageScrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth + 1,
      tableScrolls: wrap.scrollWidth > wrap.clientWidth,
    };
  });
  if (shots) await page.screenshot({ path: `${shots}/pivot-390.png`, fullPage: true });
  await phone.close();
} catch (e) {
  out.errors.push(String(e.stack || e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
