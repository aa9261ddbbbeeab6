// The alerts pages in a browser: the list with its state badge and the New alert form, an
// alert's page with its history; at 1366 and 390 px the page does not scroll sideways. With
// SCREENSHOT_DIR, pictures of both. Usage: node alerts.mjs URL ALERT_PATH
import { launch, signIn } from './session.mjs';

const [url, alertPath] = process.argv.slice(2);
const shots = process.env.SCREENSHOT_DIR;
const browser = await launch();
const out = { errors: [], widths: {} };

try {
  for (const width of [1366, 390]) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', e => out.errors.push(String(e)));
    await signIn(page, url);
    await page.goto(url + '/alerts', { waitUntil: 'networkidle' });
    out.badge = (await page.locator('#alerts .badge').first().textContent()).trim();
    await page.locator('details#new-alert summary').click();
    out.formShown = await page.locator('form.alert-form').isVisible();
    const wide = () => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1);
    out.widths[`list${width}`] = await wide();
    if (shots) await page.screenshot({ path: `${shots}/alerts-${width}.png`, fullPage: true });
    await page.goto(url + alertPath, { waitUntil: 'networkidle' });
    out.history = await page.locator('#alert-history tbody tr').count();
    out.widths[`detail${width}`] = await wide();
    if (shots) await page.screenshot({ path: `${shots}/alert-${width}.png`, fullPage: true });
    await context.close();
  }
} catch (e) {
  out.errors.push(String(e.stack || e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
