// On a report's page: sets a parameter, clicks Generate, watches the progress bar give way to
// the result's download links without a page reload, and follows the PDF link.
// Usage: node generate.mjs URL REPORT_ID  → prints one JSON line.
// SCREENSHOT: where to save a picture of the page with the links.
import { chromium } from 'playwright-core';
import { signIn } from './session.mjs';

const [url, report] = process.argv.slice(2);
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
  await page.goto(`${url}/reports/${report}`);
  await page.fill('form.params input[name=days]', '30');
  await page.click('button.generate');
  await page.waitForSelector('#job.completed a[href*="format=pdf"]', { timeout: 30000 });
  const links = await page.locator('#job a').evaluateAll(as => as.map(a => a.getAttribute('href')));
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT });
  const pdf = await page.request.get(url + links[0]);
  const body = await pdf.body();
  console.log(JSON.stringify({
    links,
    loads,
    pdfStatus: pdf.status(),
    pdfType: pdf.headers()['content-type'],
    pdfMagic: body.subarray(0, 5).toString(),
    errors,
  }));
} finally {
  await browser.close();
}
