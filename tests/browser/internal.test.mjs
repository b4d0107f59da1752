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
import http from 'node:http';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const SITE_ENV = process.env.APDIR_SITE_INTERNAL;
const SKIP = !SITE_ENV && 'APDIR_SITE_INTERNAL is not set (build with --profile internal to run these)';
const SITE = SITE_ENV ? path.resolve(SITE_ENV) : '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const TEST_TIMEOUT = 90_000;

const PAGES = ['/dashboard/', '/dashboard/exclusions/', '/providers/barnoldswick-canal-crafts/', '/'];

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.json': 'application/json', '.xml': 'application/xml' };

function startServer() {
  return new Promise((resolve, reject) => {
    const server = http.createServer(async (req, res) => {
      try {
        const pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
        let file = path.join(SITE, path.normalize(pathname));
        if (!file.startsWith(SITE)) throw new Error('outside');
        if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
        const body = await readFile(file);
        res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('Not found');
      }
    });
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

let server;
let origin;
let browser;

before(async () => {
  if (SKIP) return;
  if (!existsSync(path.join(SITE, 'dashboard', 'index.html'))) {
    throw new Error(`APDIR_SITE_INTERNAL=${SITE_ENV} has no dashboard/index.html: is it an internal build?`);
  }
  server = await startServer();
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function open(options = {}) {
  const context = await browser.newContext(options);
  const external = [];
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname !== '127.0.0.1' && !['data:', 'about:', 'blob:'].includes(u.protocol)) {
      external.push(u.href);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, external, errors };
}

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
        await page.evaluate(await readFile(require.resolve('axe-core/axe.min.js'), 'utf8'));
        const violations = await page.evaluate(async (tags) => {
          // eslint-disable-next-line no-undef
          const r = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
          return r.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(', ')}`);
        }, AXE_TAGS);
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
