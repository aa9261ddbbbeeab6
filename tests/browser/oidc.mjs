// Sign-in with OpenID Connect in Chromium, as a person does it: a page that needs sign-in sends
// the browser to /login, "Sign in with …" to the provider (oidc-provider-mock's consent form),
// whose answer brings it back signed in, on the page it first asked for. With SCREENSHOT_DIR,
// the login page at 1366 and 390 px. Usage: node oidc.mjs URL SUB
import { launch } from './session.mjs';

const [url, sub] = process.argv.slice(2);
const shots = process.env.SCREENSHOT_DIR;
const browser = await launch();
const out = { errors: [] };

try {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  page.on('pageerror', e => out.errors.push(String(e)));
  await page.goto(url + '/reports');
  out.login = new URL(page.url()).pathname + new URL(page.url()).search;
  if (shots) await page.screenshot({ path: `${shots}/oidc-login-1366.png`, fullPage: true });
  out.button = (await page.textContent('[data-testid=oidc-login]')).trim();
  await Promise.all([page.waitForNavigation(), page.click('[data-testid=oidc-login]')]);
  out.provider = new URL(page.url()).origin !== new URL(url).origin;
  await page.fill('input[name=sub]', sub);
  await Promise.all([
    page.waitForURL(u => u.origin === new URL(url).origin && u.pathname === '/reports'),
    page.click('button[type=submit]:has-text("Authorize")'),
  ]);
  out.landed = new URL(page.url()).pathname;
  out.signedInAs = (await page.textContent('header')).includes(sub);
  const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  await phone.goto(url + '/login');
  if (shots) await phone.screenshot({ path: `${shots}/oidc-login-390.png`, fullPage: true });
  out.phoneButton = await phone.isVisible('[data-testid=oidc-login]');
} catch (e) {
  out.errors.push(String(e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
