// Browser tests for the AP team's internal build (apdir build --profile internal).
//
//   APDIR_SITE_INTERNAL=/path/to/internal/site node --test tests/browser/
//
// Skipped when APDIR_SITE_INTERNAL is not set. Checks the internal-only pages with axe-core
// (WCAG 2.0/2.1/2.2 A and AA), the OFFICIAL-SENSITIVE banner and noindex on every page
// checked, that the dashboard works without JavaScript, and that its table sorts with it.
//
// Environment:
//   APDIR_SITE_INTERNAL  folder holding the internal build
//   CHROMIUM             optional: browser binary (default /usr/bin/chromium)

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { launchChromium, openPage, runAxe, serveSite } from './harness.mjs';

const SITE_ENV = process.env.APDIR_SITE_INTERNAL;
const SKIP = !SITE_ENV && 'APDIR_SITE_INTERNAL is not set (build with --profile internal to run these)';
const SITE = SITE_ENV ? path.resolve(SITE_ENV) : '';
const TEST_TIMEOUT = 90_000;

// Issue 23: the AP lead's tracking pages.
const TRACKING = [
  '/dashboard/tracking/',
  '/dashboard/tracking/schools/900104/',
  '/dashboard/tracking/panels/',
  '/dashboard/tracking/summary/',
  '/dashboard/tracking/outcomes/',
  '/dashboard/tracking/strategy/',
];
// Issue 20: supply, demand and gaps over time, and the what-if scenarios.
const OVER_TIME = ['/history/', '/areas/pendle/over-time/', '/areas/wards/altham/over-time/', '/scenarios/', '/scenarios/nelson-tier-2/'];
const PAGES = ['/dashboard/', '/dashboard/exclusions/', ...TRACKING, ...OVER_TIME, '/providers/barnoldswick-canal-crafts/', '/providers/ribbleside-short-stay-school/', '/'];

let site;
let origin;
let browser;

before(async () => {
  if (SKIP) return;
  if (!existsSync(path.join(SITE, 'dashboard', 'index.html'))) {
    throw new Error(`APDIR_SITE_INTERNAL=${SITE_ENV} has no dashboard/index.html: is it an internal build?`);
  }
  site = await serveSite(SITE);
  origin = site.origin;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (site) await site.close();
});

const open = (options = {}) => openPage(browser, options);

describe('internal build: accessibility, banner and noindex', { skip: SKIP }, () => {
  for (const urlPath of PAGES) {
    test(`${urlPath}`, { timeout: TEST_TIMEOUT }, async () => {
      const { context, page, external, errors } = await open();
      try {
        const response = await page.goto(origin + urlPath, { waitUntil: 'load' });
        assert.equal(response.status(), 200);
        const banner = page.locator('.classification-banner');
        assert.ok(await banner.isVisible(), 'no visible classification banner');
        assert.match(await banner.innerText(), /OFFICIAL-SENSITIVE: not for publication/);
        assert.equal(await page.locator('meta[name="robots"]').getAttribute('content'), 'noindex, nofollow');
        const violations = (await runAxe(page)).map((v) => `${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(', ')}`);
        assert.deepEqual(violations, [], `axe violations on ${urlPath}`);
        assert.deepEqual(external, [], 'external requests');
        assert.deepEqual(errors, [], 'console errors');
      } finally {
        await context.close();
      }
    });
  }
});

describe('internal build: the dashboard', { skip: SKIP }, () => {
  test('lists checks linked to provider pages without JavaScript', { timeout: TEST_TIMEOUT }, async () => {
    const { context, page } = await open({ javaScriptEnabled: false });
    try {
      await page.goto(origin + '/dashboard/', { waitUntil: 'load' });
      const rows = await page.locator('table tbody tr').count();
      assert.ok(rows >= 5, `expected checks in the table, found ${rows}`);
      const links = await page.locator('table tbody a[href^="/providers/"]').count();
      assert.equal(links, rows, 'every check links to its provider');
      assert.equal(await page.locator('th .sort-button').count(), 0, 'sort buttons appear only with JavaScript');
    } finally {
      await context.close();
    }
  });

  test('sorts by a column with a keyboard-operable heading button', { timeout: TEST_TIMEOUT }, async () => {
    const { context, page, errors } = await open();
    try {
      await page.goto(origin + '/dashboard/', { waitUntil: 'load' });
      const button = page.locator('th .sort-button', { hasText: 'Provider' });
      await button.focus();
      await page.keyboard.press('Enter');
      const names = await page.locator('table tbody tr td:first-child').allInnerTexts();
      const sorted = [...names].sort((a, b) => a.localeCompare(b, 'en-GB', { sensitivity: 'base' }));
      assert.deepEqual(names, sorted, 'rows are sorted by provider');
      assert.equal(await page.locator('thead th').first().getAttribute('aria-sort'), 'ascending');
      await page.keyboard.press('Enter');
      assert.equal(await page.locator('thead th').first().getAttribute('aria-sort'), 'descending');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});

describe('internal build: tracking, history and scenario pages reflow at 320px', { skip: SKIP }, () => {
  for (const urlPath of [...TRACKING, ...OVER_TIME]) {
    test(`${urlPath} at 320px`, { timeout: TEST_TIMEOUT }, async () => {
      const { context, page } = await open({ viewport: { width: 320, height: 640 } });
      try {
        await page.goto(origin + urlPath, { waitUntil: 'load' });
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 320, `${urlPath} is ${width}px wide at a 320px viewport`);
      } finally {
        await context.close();
      }
    });
  }
});
