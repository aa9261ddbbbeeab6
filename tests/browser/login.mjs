// Signing in and out as a person does: / sends an anonymous visitor to the login form; a wrong
// password is said in place; the right one lands on the dashboard; Sign out ends it. Then a
// viewer (VIEWER_EMAIL, same password) sees no editing.
// Usage: node login.mjs URL → one JSON line. SCREENSHOT_LOGIN: where to save the login page.
import { chromium } from 'playwright-core';

const url = process.argv[2];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const path = page => new URL(page.url()).pathname;
try {
  const out = { errors: [] };
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.on('pageerror', e => out.errors.push(String(e)));
  // Pages answered 401/403 on purpose log "Failed to load resource"; anything else (a script
  // error, a CSP violation) is a failure.
  page.on('console', m => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) out.errors.push(m.text());
  });
  await page.goto(url + '/reports');
  out.redirectedTo = path(page) + new URL(page.url()).search;
  if (process.env.SCREENSHOT_LOGIN) await page.screenshot({ path: process.env.SCREENSHOT_LOGIN, fullPage: true });
  await page.fill('input[name=email]', process.env.QUIRE_EMAIL);
  await page.fill('input[name=password]', 'not the password');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  out.wrongPassword = (await page.textContent('[role=alert]')).trim();
  await page.fill('input[name=password]', process.env.QUIRE_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  out.afterLogin = path(page);
  out.reportsListed = await page.locator('a[href^="/reports/"]').count();
  await page.goto(url + '/');
  // The dashboard's widgets load on their own after the page.
  await page.waitForFunction(() => document.querySelectorAll('.kpi').length >= 4, null, { timeout: 15000 }).catch(() => {});
  out.kpis = await page.locator('.kpi').count();
  out.adminMenu = await page.locator('nav a[href="/admin/users"]').count();
  await Promise.all([page.waitForNavigation(), page.click('form.logout button[type=submit]')]);
  out.afterLogout = path(page);
  await page.goto(url + '/');
  out.afterLogoutHome = path(page);

  await page.goto(url + '/login');
  await page.fill('input[name=email]', process.env.VIEWER_EMAIL);
  await page.fill('input[name=password]', process.env.QUIRE_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  await page.goto(url + '/datasets');
  out.viewerUpload = await page.locator('#upload').count();
  out.viewerSchedulesLink = await page.locator('nav a[href="/schedules"]').count();
  const r = await page.goto(url + '/schedules');
  out.viewerSchedulesStatus = r.status();
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
