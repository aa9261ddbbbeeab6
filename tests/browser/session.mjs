import { chromium } from 'playwright-core';

// Debian's chromium (or $CHROMIUM), headless, as the scripts here start it.
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Signs a page in through the /login form, as a person would, with the test administrator
// (QUIRE_EMAIL / QUIRE_PASSWORD, set by tests/it/browser.rs).
export async function signIn(page, url) {
  const base = url.replace(/\/+$/, '');
  await page.goto(base + '/login');
  await page.fill('input[name=email]', process.env.QUIRE_EMAIL);
  await page.fill('input[name=password]', process.env.QUIRE_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  if (new URL(page.url()).pathname === '/login') {
    throw new Error('sign-in failed: ' + await page.textContent('main'));
  }
}

