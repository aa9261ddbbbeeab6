// The main pages at a phone's width (390 px): does anything scroll sideways, does the menu
// fit and show the current page, does a button's label wrap, are rows' actions in reach (also
// at 1366 px), how small is the smallest chart text? With SCREENSHOT_DIR, a screenshot of each page at 390 and
// 1366 px. Usage: node phone.mjs URL PATH...  → prints one JSON line.
import { chromium } from 'playwright-core';
import { signIn } from './session.mjs';

const [url, ...paths] = process.argv.slice(2);
const shots = process.env.SCREENSHOT_DIR;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const name = p => p.replace(/^\//, '').replace(/[^a-z0-9]+/gi, '_').slice(0, 40) || 'home';
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  await signIn(page, url);
  const pages = {};
  for (const path of paths) {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(url + path, { waitUntil: 'networkidle' });
    pages[path] = await page.evaluate(() => {
      const doc = document.documentElement;
      const visible = el => {
        const r = el.getBoundingClientRect();
        const s = getComputedStyle(el);
        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden';
      };
      // A label on two lines is a wrapped button.
      const wrapped = [...document.querySelectorAll('button, a.button')].filter(visible).filter(b => {
        const s = getComputedStyle(b);
        const line = parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.45;
        const pad = parseFloat(s.paddingTop) + parseFloat(s.paddingBottom)
          + parseFloat(s.borderTopWidth) + parseFloat(s.borderBottomWidth);
        return b.getBoundingClientRect().height - pad > line * 1.6;
      }).map(b => b.textContent.trim());
      // Wider than the screen, and not inside something that scrolls by itself.
      const wide = [...document.body.querySelectorAll('*')].filter(visible).filter(el => {
        const r = el.getBoundingClientRect();
        if (r.right <= doc.clientWidth + 1) return false;
        for (let p = el.parentElement; p; p = p.parentElement) {
          const o = getComputedStyle(p).overflowX;
          if (o === 'auto' || o === 'scroll' || o === 'hidden') return false;
        }
        return true;
      }).slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''));
      const header = document.querySelector('header.top');
      // The smallest chart text as drawn (its box's height in CSS px); null without charts.
      const texts = [...document.querySelectorAll('.chart svg text')]
        .filter(t => t.textContent.trim() && visible(t))
        .map(t => t.getBoundingClientRect().height);
      // Where the menu shows, the current page's link (or the closed "Dashboards" menu holding
      // it) must be in view. At a phone's width the menu is behind its button: null then.
      const nav = document.querySelector('header.top nav');
      let current = document.querySelector('header.top nav a[aria-current=page]');
      if (current && current.closest('details:not([open])')) current = current.closest('details').querySelector('summary');
      let currentShown = null;
      if (current && nav && visible(nav)) {
        const r = current.getBoundingClientRect();
        const n = current.parentElement.getBoundingClientRect();
        currentShown = r.left >= n.left - 1 && r.right <= Math.min(n.right, doc.clientWidth) + 1;
      }
      // A row's actions are in reach: no button of a table is cut off at the screen's edge.
      const unreachable = [...document.querySelectorAll('main table button, main table a.button')]
        .filter(visible).filter(b => b.getBoundingClientRect().right > doc.clientWidth + 1)
        .slice(0, 5).map(b => b.textContent.trim());
      return {
        chartText: texts.length ? Math.min(...texts) : null,
        currentShown,
        unreachable,
        scrollX: doc.scrollWidth - doc.clientWidth,
        wide,
        wrapped,
        headerHeight: header ? Math.round(header.getBoundingClientRect().height) : 0,
      };
    });
    // The 390 px picture is taken now, before the page is seen at 1366 px.
    if (shots) await page.screenshot({ path: `${shots}/${name(path)}-390.png`, fullPage: true });
    // The phone menu opened (its button, then the Dashboards menu): every item whole, none cut
    // ("Da…") nor past the screen's edge.
    const toggle = page.locator('header.top .menu-toggle');
    pages[path].menuButton = await toggle.isVisible();
    if (pages[path].menuButton) {
      await toggle.click();
      for (const s of await page.locator('header.top nav details > summary').all()) await s.click();
      Object.assign(pages[path], await page.evaluate(() => {
        const doc = document.documentElement;
        const items = [...document.querySelectorAll('header.top nav a, header.top nav summary')]
          .filter(el => el.getBoundingClientRect().width > 0);
        const cut = items.filter(el => {
          const r = el.getBoundingClientRect();
          return (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) || r.right > doc.clientWidth + 1 || r.left < -1;
        }).map(el => el.textContent.trim());
        return { menuItems: items.map(el => el.textContent.trim()), menuCut: cut };
      }));
      if (shots && path === paths[0]) await page.screenshot({ path: `${shots}/menu-open-390.png` });
      await toggle.click();
    }
    // On a laptop's screen (1366 px) no row action is cut off either.
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(url + path, { waitUntil: 'networkidle' });
    pages[path].unreachableWide = await page.evaluate(() =>
      [...document.querySelectorAll('main table button, main table a.button')]
        .filter(b => b.getBoundingClientRect().width > 0)
        .filter(b => b.getBoundingClientRect().right > document.documentElement.clientWidth + 1
          || b.getBoundingClientRect().right > (b.closest('.table-wrap') || b.closest('table')).getBoundingClientRect().right + 1)
        .slice(0, 5).map(b => b.textContent.trim()));
    if (shots) await page.screenshot({ path: `${shots}/${name(path)}-1366.png`, fullPage: true });
  }
  console.log(JSON.stringify({ pages, errors }));
} finally {
  await browser.close();
}
