// The dashboard editor in a browser: cards show their real content; moving a card onto others
// by mouse and by keyboard pushes them down (no two cards ever overlap, after Save and reload
// too); a resize; a rename; a filter added and wired to two widgets, saved and used on the
// dashboard (the widgets change); a refused Save shows its field and keeps the edit.
// Usage: node dashboard_edit.mjs URL DASHBOARD_ID → one JSON line. SCREENSHOT_DIR: pictures.
import { launch, signIn } from './session.mjs';

const [url, id] = process.argv.slice(2);
const shots = process.env.SCREENSHOT_DIR;
const browser = await launch();
const editor = url + '/dashboards/' + id + '/edit';

// Every card's rect, and the pairs that intersect (a pixel of slack for rounding).
async function layout(page) {
  return page.evaluate(() => {
    const cards = [...document.querySelectorAll('#grid [data-widget-id]')].map(el => {
      const r = el.getBoundingClientRect();
      return { id: el.dataset.widgetId, l: r.left, t: r.top, r: r.right, b: r.bottom,
               pos: el.querySelector('.pos').textContent };
    });
    const overlaps = [];
    cards.forEach((a, i) => cards.slice(i + 1).forEach(b => {
      if (a.l < b.r - 1 && b.l < a.r - 1 && a.t < b.b - 1 && b.t < a.b - 1) overlaps.push(a.id + '/' + b.id);
    }));
    const pos = {};
    cards.forEach(c => { pos[c.id] = c.pos; });
    return { pos, overlaps };
  });
}

try {
  const out = { errors: [], steps: {} };
  // Tall enough for the whole grid: a drag happens where the pointer can reach.
  const page = await browser.newPage({ viewport: { width: 1366, height: 1700 } });
  page.on('pageerror', e => out.errors.push(String(e)));
  await signIn(page, url);
  await page.goto(editor);
  // Real content: the KPI's figure and the chart's SVG, inside the cards.
  await page.waitForSelector('#grid [data-widget-id="revenue"] .kpi-value');
  await page.waitForSelector('#grid [data-widget-id="daily"] .chart svg');
  out.kpi = (await page.textContent('#grid [data-widget-id="revenue"] .kpi-value')).trim();
  out.note = (await page.textContent('#grid [data-widget-id="note"] .widget-body')).trim();
  out.steps.start = await layout(page);

  const grid = await page.locator('#grid').boundingBox();
  const col = grid.width / 12;
  const rowH = await page.evaluate(() => {
    const s = getComputedStyle(document.getElementById('grid'));
    return parseFloat(s.gridAutoRows) + parseFloat(s.rowGap);
  });
  // Mouse: the note (a full-width card at the bottom) dragged by its body to the top: the
  // cards it lands on go down below it.
  const note = await page.locator('#grid [data-widget-id="note"]').boundingBox();
  await page.mouse.move(note.x + note.width / 2, note.y + note.height / 2);
  await page.mouse.down();
  await page.mouse.move(note.x + note.width / 2, note.y + note.height / 2 - rowH * 3, { steps: 4 });
  await page.mouse.move(note.x + note.width / 2, grid.y + 5, { steps: 8 });
  await page.mouse.up();
  out.steps.dragged = await layout(page);

  // Keyboard: the revenue KPI three columns right, onto the orders KPI, which goes down.
  await page.focus('#grid [data-widget-id="revenue"]');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  out.steps.right = await layout(page);
  // ArrowUp on the orders KPI (now under revenue): it passes it, the two swap.
  await page.focus('#grid [data-widget-id="orders"]');
  await page.keyboard.press('ArrowUp');
  out.steps.up = await layout(page);
  // ArrowDown on it again: back under revenue.
  await page.keyboard.press('ArrowDown');
  out.steps.down = await layout(page);

  // Resize the daily chart one column wider by its corner: the chart it now covers goes down.
  const drawn = () => page.getAttribute('#grid [data-widget-id="daily"] .chart svg', 'width');
  out.drawnBefore = await drawn();
  const corner = await page.locator('#grid [data-widget-id="daily"] [data-resize-handle]').boundingBox();
  await page.mouse.move(corner.x + 5, corner.y + 5);
  await page.mouse.down();
  await page.mouse.move(corner.x + 5 + col, corner.y + 5, { steps: 6 });
  await page.mouse.up();
  out.steps.resized = await layout(page);
  // Its chart is drawn again for the new width.
  await page.waitForFunction(b => {
    const svg = document.querySelector('#grid [data-widget-id="daily"] .chart svg');
    return svg && svg.getAttribute('width') !== b;
  }, out.drawnBefore);
  out.drawnAfter = await drawn();

  // Undo takes the resize back; the resize again.
  await page.click('#undo');
  out.steps.undone = await layout(page);
  await page.mouse.move(corner.x + 5, corner.y + 5);
  await page.mouse.down();
  await page.mouse.move(corner.x + 5 + col, corner.y + 5, { steps: 6 });
  await page.mouse.up();

  // Rename, and a filter on two widgets.
  await page.fill('#dash-name', 'Edited board');
  await page.click('[data-action="add-filter"]');
  const f = page.locator('#filter-list [data-filter-id]').last();
  await f.locator('input[name=label]').fill('Period');
  out.types = await f.locator('select[name=type] option').evaluateAll(os => os.map(o => o.value));
  await f.locator('select[name=type]').selectOption('date_range');
  out.presets = await f.locator('select[name=default] option').evaluateAll(os => os.map(o => o.value));
  await f.locator('input[name=target][value="revenue"]').check();
  await f.locator('input[name=target][value="orders"]').check();
  out.drives = await f.locator('[data-target="revenue"] select[name=drive] option').evaluateAll(os => os.map(o => o.value));
  out.targetsOffered = await f.locator('input[name=target]').evaluateAll(cs => cs.map(c => c.value));
  // A widget and a text card added, not saved yet: drawn for real all the same.
  await page.selectOption('#add-viz', 'aov');
  await page.click('#add-widget');
  await page.waitForSelector('#grid [data-widget-id="aov"] .kpi-value');
  out.addedKpi = (await page.textContent('#grid [data-widget-id="aov"] .kpi-value')).trim();
  await page.fill('#add-text-value', 'Read **this** first');
  await page.click('#add-text');
  await page.waitForSelector('#grid [data-widget-id="text"] strong');
  out.addedText = (await page.textContent('#grid [data-widget-id="text"] strong')).trim();
  if (shots) {
    await page.screenshot({ path: shots + '/dashboard-editor-1366.png', fullPage: true });
  }
  out.beforeSave = await layout(page);
  await Promise.all([page.waitForURL(u => !u.pathname.endsWith('/edit')), page.click('#save-dashboard button[type=submit]')]);
  out.saved = new URL(page.url()).pathname;
  out.title = (await page.textContent('h1')).trim();

  // The filter on the dashboard: a period changes both KPIs.
  await page.waitForSelector('#kpi-revenue .kpi-value');
  const before = (await page.textContent('#kpi-revenue .kpi-value')).trim();
  out.filterOptions = await page.locator('select[name="f.period"] option').evaluateAll(os => os.map(o => o.value));
  await page.selectOption('select[name="f.period"]', 'last_30_days');
  await page.click('#filters button[type=submit]');
  await page.waitForFunction(b => {
    const v = document.querySelector('#kpi-revenue .kpi-value');
    return v && v.textContent.trim() !== b;
  }, before);
  out.filtered = { before, after: (await page.textContent('#kpi-revenue .kpi-value')).trim(), url: page.url() };

  // Reloaded, the editor shows the saved layout, still overlap-free.
  await page.goto(editor);
  await page.waitForSelector('#grid [data-widget-id="revenue"] .kpi-value');
  out.reloaded = await layout(page);
  out.reloadedName = await page.inputValue('#dash-name');
  out.filtersReloaded = await page.locator('#filter-list [data-filter-id]').evaluateAll(fs => fs.map(f => ({
    id: f.dataset.filterId,
    label: f.querySelector('input[name=label]').value,
    targets: [...f.querySelectorAll('input[name=target]:checked')].map(c => c.value),
  })));

  // A refused Save: a filter that drives nothing. The problem names it; the edit stays.
  await page.fill('#dash-name', 'Kept name');
  await page.click('[data-action="add-filter"]');
  await page.locator('#filter-list [data-filter-id]').last().locator('input[name=label]').fill('Loose');
  await page.click('#save-dashboard button[type=submit]');
  await page.waitForSelector('#save-error:not([hidden])');
  out.refused = {
    message: (await page.textContent('#save-error')).trim(),
    path: new URL(page.url()).pathname,
    name: await page.inputValue('#dash-name'),
    invalid: await page.locator('#filter-list [aria-invalid=true]').count(),
  };
  if (shots) {
    await page.screenshot({ path: shots + '/dashboard-editor-refused-1366.png', fullPage: true });
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(phone, url);
    await phone.goto(editor);
    await phone.waitForSelector('#grid [data-widget-id="daily"] .chart svg');
    await phone.screenshot({ path: shots + '/dashboard-editor-390.png', fullPage: true });
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
