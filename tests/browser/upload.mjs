// On /datasets: chooses a file, imports it, and reports the preview shown and the progress bar.
// Usage: node upload.mjs URL FILE  → prints one JSON line.
import { chromium } from 'playwright-core';
import { signIn } from './session.mjs';

const [url, file] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await signIn(page, url);
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(url + '/datasets');
  await page.setInputFiles('#file', file);
  const zoneText = (await page.textContent('#dropzone-text')).trim();
  await page.fill('input[name=name]', 'uploaded');
  await page.click('#upload button[type=submit]');
  await page.waitForSelector('#upload-result .ok-box, #upload-result .error-box');
  const rows = (await page.textContent('#imported-rows').catch(() => '')).trim();
  const headers = await page.locator('#upload-result th').allTextContents();
  const firstCell = (await page.textContent('#upload-result tbody tr td')).trim();
  const progress = await page.getAttribute('#progress', 'value');
  // A bad file: the error is shown in place, nothing else changes.
  await page.setInputFiles('#file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1\n') });
  await page.click('#upload button[type=submit]');
  await page.waitForSelector('#upload-result .error-box');
  const error = (await page.textContent('#upload-result .error-box')).trim();
  await page.goto(url + '/datasets');
  const listed = await page.locator('table.datasets tbody tr').count();
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  console.log(JSON.stringify({ zoneText, rows, headers, firstCell, progress, error, listed, errors }));
} finally {
  await browser.close();
}
