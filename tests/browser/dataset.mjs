// On /datasets/NAME: the column statistics load after the page; a text column is given the
// type integer: choosing it says how many values would not convert, Change is refused in the
// column's row until "make them blank" is ticked, then the row shows the new type.
// Usage: node dataset.mjs URL DATASET COLUMN  → prints one JSON line. With SCREENSHOTS=DIR,
// the page at 1366 and 390 px wide is saved there.
import { launch, signIn } from './session.mjs';

const [url, dataset, column] = process.argv.slice(2);
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  await signIn(page, url);
  let loads = 0;
  page.on('load', () => loads++);
  await page.goto(`${url}/datasets/${dataset}`);
  const row = `#column-${column}`;
  await page.waitForSelector(`#dataset-columns table.column-stats ${row}`);
  const cell = async (c) => (await page.textContent(`${row} .${c}`)).trim();
  const before = { kind: await cell('kind'), blanks: await cell('blanks'), distinct: await cell('distinct') };
  const shot = async (name) => {
    if (!process.env.SCREENSHOTS) return;
    for (const width of [1366, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: `${process.env.SCREENSHOTS}/dataset-${name}-${width}.png`, fullPage: true });
    }
    await page.setViewportSize({ width: 1366, height: 900 });
  };
  await shot('stats');
  // Choosing a type checks it.
  await page.selectOption(`${row} select[name=type]`, 'integer');
  await page.waitForSelector(`${row} .retype-check .retype-bad`);
  const checked = (await page.textContent(`${row} .retype-check .retype-bad`)).trim();
  // Change without the tick: refused in the row, the type stays.
  await page.click(`${row} button[type=submit]`);
  await page.waitForSelector(`${row} .retype-bad[role=alert]`);
  const refused = (await page.textContent(`${row} .retype-bad[role=alert]`)).trim();
  const kindAfterRefusal = await cell('kind');
  const offered = await page.isVisible(`${row} input[name=blank]`);
  await shot('refused');
  // With the tick: converted.
  await page.check(`${row} input[name=blank]`);
  await page.click(`${row} button[type=submit]`);
  await page.waitForSelector('#retype-note');
  const note = (await page.textContent('#retype-note')).trim();
  const after = { kind: await cell('kind'), blanks: await cell('blanks') };
  // The preview above is fetched again with the new type in its header.
  await page.waitForFunction((c) => [...document.querySelectorAll('.dataset-preview th')]
    .some(th => th.textContent.trim() === `${c} (integer)`), column);
  await shot('retyped');
  console.log(JSON.stringify({ before, checked, refused, kindAfterRefusal, offered, note, after, loads, errors }));
} finally {
  await browser.close();
}
