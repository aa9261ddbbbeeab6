// On /datasets: chooses a file, imports it, and reports the preview shown, the progress bar
// and the list (refreshed without a reload); then a refused file, a preview and a delete.
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
  let loads = 0;
  page.on('load', () => loads++);
  await page.goto(url + '/datasets');
  const progressBefore = await page.isVisible('#progress');
  // The file input itself is not drawn: the zone's text is the only place naming the file.
  const inputBox = await page.locator('#file').boundingBox();
  const inputShown = !!inputBox && inputBox.width > 2 && inputBox.height > 2;
  await page.setInputFiles('#file', file);
  const zoneText = (await page.textContent('#dropzone-text')).trim();
  await page.fill('input[name=name]', 'uploaded');
  await page.click('#upload button[type=submit]');
  await page.waitForSelector('#upload-result .ok-box, #upload-result .error-box');
  const rows = (await page.textContent('#imported-rows').catch(() => '')).trim();
  const headers = await page.locator('#upload-result th').allTextContents();
  const firstCell = (await page.textContent('#upload-result tbody tr td')).trim();
  const progress = await page.getAttribute('#progress', 'value');
  // The list shows the new dataset without a reload.
  await page.waitForSelector('#dataset-uploaded');
  const listedAfterUpload = await page.locator('table.datasets tbody tr').count();
  // A bad file: the error is shown in place, nothing else changes, the bar is not "done".
  await page.setInputFiles('#file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1\n') });
  await page.click('#upload button[type=submit]');
  await page.waitForSelector('#upload-result .error-box');
  const error = (await page.textContent('#upload-result .error-box')).trim();
  const progressAfterFailure = {
    visible: await page.isVisible('#progress'),
    value: await page.getAttribute('#progress', 'value'),
  };
  // A preview of the first rows, in place.
  await page.click('#dataset-sales a.preview-link');
  await page.waitForSelector('#dataset-preview table.preview tbody tr');
  const previewRows = await page.locator('#dataset-preview tbody tr').count();
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  // Delete, confirmed in the browser's dialog.
  page.once('dialog', d => d.accept());
  await page.click('#dataset-uploaded button.delete');
  await page.waitForSelector('#dataset-uploaded', { state: 'detached' });
  const listedAfterDelete = await page.locator('table.datasets tbody tr').count();
  await page.goto(url + '/datasets');
  const listed = await page.locator('table.datasets tbody tr').count();
  console.log(JSON.stringify({ zoneText, rows, headers, firstCell, progress, progressBefore, inputShown,
    listedAfterUpload, error, progressAfterFailure, previewRows, listedAfterDelete, listed, loads, errors }));
} finally {
  await browser.close();
}
