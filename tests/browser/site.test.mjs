// Browser tests for a built apdir site.
//
//   APDIR_SITE=/path/to/built/site node --test tests/browser/
//
// Serves APDIR_SITE on 127.0.0.1 (random port), drives Debian's Chromium via
// playwright-core (no browser is ever downloaded) and checks each page with
// axe-core (WCAG 2.0/2.1/2.2 A and AA), for external requests and console
// errors, plus no-JavaScript, keyboard and 320px reflow behaviour.
//
// Environment:
//   APDIR_SITE  required: folder holding the built site (index.html, 404.html...)
//   CHROMIUM    optional: browser binary (default /usr/bin/chromium)

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { launchChromium, openPage, runAxe, serveSite } from './harness.mjs';

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

const SITE_ENV = process.env.APDIR_SITE;
if (!SITE_ENV) {
  throw new Error(
    'APDIR_SITE is not set. Build the site first and point APDIR_SITE at it, e.g.\n' +
      '  cargo run --release -- build --today 2026-11-25 --output /tmp/site\n' +
      '  APDIR_SITE=/tmp/site node --test tests/browser/\n' +
      '(or run scripts/test, which does both).',
  );
}
const SITE = path.resolve(SITE_ENV);
if (!existsSync(SITE) || !statSync(SITE).isDirectory()) {
  throw new Error(`APDIR_SITE=${SITE_ENV} is not a folder (resolved to ${SITE}).`);
}
if (!existsSync(path.join(SITE, 'index.html'))) {
  throw new Error(`APDIR_SITE=${SITE_ENV} has no index.html: is it a built apdir site?`);
}

const PAGES = [
  { path: '/', status: 200 },
  { path: '/providers/', status: 200 },
  { path: '/providers/ribbleside-short-stay-school/', status: 200 },
  { path: '/districts/preston/', status: 200 },
  { path: '/tiers/2/', status: 200 },
  { path: '/needs/semh/', status: 200 },
  { path: '/key-stages/ks3/', status: 200 },
  { path: '/guide/', status: 200 },
  { path: '/guide/exclusions/', status: 200 },
  { path: '/accessibility/', status: 200 },
  { path: '/areas/', status: 200 },
  { path: '/areas/preston/', status: 200 },
  { path: '/areas/ribble-valley/', status: 200 },
  { path: '/areas/wards/', status: 200 },
  { path: '/areas/wards/bank-hall/', status: 200 },
  { path: '/guide/exclusions/suspensions-and-governors/', status: 200 },
  { path: '/guide/exclusions/off-rolling/', status: 200 },
  { path: '/guide/attendance/home-tuition/', status: 200 },
  { path: '/guide/tiers/in-school-units/', status: 200 },
  { path: '/guide/referrals/transport/', status: 200 },
  { path: '/guide/referrals/who-pays/', status: 200 },
  { path: '/guide/referrals/panels/', status: 200 },
  { path: '/guide/referrals/telling-the-authority/', status: 200 },
  { path: '/guide/quality/complaints-about-a-provider/', status: 200 },
  { path: '/events/', status: 200 },
  { path: '/events/safeguarding-checks-webinar-december-2026/', status: 200 },
  { path: '/compare/', status: 200 },
  { path: '/outcomes/', status: 200 },
  { path: '/outcomes/strategy/', status: 200 },
  { path: '/this-page-does-not-exist/', status: 404 },
];

const PROVIDER_PAGE = '/providers/ribbleside-short-stay-school/';
const TEST_TIMEOUT = 90_000;

// ---------------------------------------------------------------------------
// The site served as a plain static host would, and Chromium (tests/browser/harness.mjs)
// ---------------------------------------------------------------------------

let site;
let browser;
let origin;

before(async () => {
  site = await serveSite(SITE);
  origin = site.origin;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (site) await site.close();
});

/** A fresh page (see harness.mjs); the CSP is bypassed so tests may inspect scripts. */
function openContext(options = {}) {
  return openPage(browser, { bypassCSP: true, ...options });
}

function formatViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 3)
        .map((n) => `      at ${JSON.stringify(n.target)}${n.failureSummary ? `\n        ${n.failureSummary.replace(/\n/g, '\n        ')}` : ''}`)
        .join('\n');
      const more = v.nodes.length > 3 ? `\n      ... and ${v.nodes.length - 3} more` : '';
      return `  - ${v.id} [${v.impact}] ${v.help}\n    ${v.helpUrl}\n${nodes}${more}`;
    })
    .join('\n');
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe('pages: status, accessibility (axe), no external requests, no console errors', () => {
  for (const { path: urlPath, status } of PAGES) {
    test(`${urlPath} (expects ${status})`, { timeout: TEST_TIMEOUT }, async () => {
      const { context, page, external, errors: consoleErrors } = await openContext();
      try {
        const response = await page.goto(origin + urlPath, { waitUntil: 'load' });
        assert.ok(response, `no response for ${urlPath}`);
        assert.equal(response.status(), status, `HTTP status of ${urlPath}`);

        const problems = [];

        if ((await page.locator('h1').count()) < 1) problems.push(`${urlPath} has no <h1>`);

        const violations = await runAxe(page);
        if (violations.length > 0) {
          problems.push(`axe found ${violations.length} violation(s):\n${formatViolations(violations)}`);
        }

        // Give late requests (lazy images, scripts) a moment to show up.
        await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => {});

        if (external.length > 0) {
          problems.push(`${external.length} external request(s) (blocked):\n  - ${[...new Set(external)].join('\n  - ')}`);
        }

        // Chromium reports the 404 of the document itself as a console error.
        const errors = consoleErrors.filter(
          (e) =>
            !(
              status === 404 &&
              /status of 404/.test(e.text) &&
              e.url &&
              new URL(e.url).pathname === urlPath
            ),
        );
        if (errors.length > 0) {
          const lines = errors.map((e) => (e.url ? `${e.text} (${e.url})` : e.text));
          problems.push(`${errors.length} console error(s):\n  - ${lines.join('\n  - ')}`);
        }

        assert.equal(problems.length, 0, `${urlPath}:\n${problems.join('\n')}`);
      } finally {
        await context.close();
      }
    });
  }
});

describe('works without JavaScript', () => {
  test('/providers/ lists providers with JavaScript disabled', { timeout: TEST_TIMEOUT }, async () => {
    const { context, page, external } = await openContext({ javaScriptEnabled: false });
    try {
      const response = await page.goto(origin + '/providers/', { waitUntil: 'load' });
      assert.equal(response.status(), 200);
      assert.ok((await page.locator('main h1, h1').count()) >= 1, 'no <h1> on /providers/');
      const links = await page.locator('main a[href^="/providers/"]').count();
      assert.ok(links >= 30, `expected at least 30 provider links in <main> on /providers/, found ${links}`);
      assert.deepEqual(external, [], 'external requests with JavaScript disabled');
    } finally {
      await context.close();
    }
  });

  test(`${PROVIDER_PAGE} shows its content with JavaScript disabled`, { timeout: TEST_TIMEOUT }, async () => {
    const { context, page, external } = await openContext({ javaScriptEnabled: false });
    try {
      const response = await page.goto(origin + PROVIDER_PAGE, { waitUntil: 'load' });
      assert.equal(response.status(), 200);
      const h1 = page.locator('main h1');
      assert.ok((await h1.count()) >= 1, `no <h1> inside <main> on ${PROVIDER_PAGE}`);
      const text = (await h1.first().innerText()).trim();
      assert.ok(text.length > 0, 'the <h1> is empty');
      assert.ok(await h1.first().isVisible(), 'the <h1> is not visible');
      assert.deepEqual(external, [], 'external requests with JavaScript disabled');
    } finally {
      await context.close();
    }
  });
});

describe('keyboard', () => {
  test('first Tab on / focuses a visible skip link that moves to #main-content', { timeout: TEST_TIMEOUT }, async () => {
    const { context, page } = await openContext({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(origin + '/', { waitUntil: 'load' });
      await page.keyboard.press('Tab');

      const focused = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const r = el.getBoundingClientRect();
        const cs = getComputedStyle(el);
        return {
          isSkipLink: el.matches('a.skip-link'),
          tag: el.tagName,
          cls: el.className,
          href: el.getAttribute('href'),
          text: el.textContent.trim(),
          rect: { x: r.x, y: r.y, width: r.width, height: r.height },
          visibility: cs.visibility,
          opacity: cs.opacity,
          clipPath: cs.clipPath,
        };
      });
      assert.ok(focused, 'Tab did not focus anything');
      assert.ok(
        focused.isSkipLink,
        `first Tab focused <${focused.tag} class="${focused.cls}"> "${focused.text}", not a.skip-link`,
      );
      assert.equal(focused.href, '#main-content', 'skip link should point at #main-content');
      const { rect } = focused;
      assert.ok(
        rect.width >= 20 && rect.height >= 16,
        `focused skip link is not visible (box ${JSON.stringify(rect)}, clip-path ${focused.clipPath})`,
      );
      assert.ok(
        rect.y >= 0 && rect.y < 800 && rect.x >= 0 && rect.x < 1280,
        `focused skip link is off screen (box ${JSON.stringify(rect)})`,
      );
      assert.equal(focused.visibility, 'visible');
      assert.notEqual(focused.opacity, '0');
      assert.ok(await page.locator('a.skip-link').isVisible());

      await page.keyboard.press('Enter');
      await page.waitForFunction(() => location.hash === '#main-content', null, { timeout: 5_000 });

      const after = await page.evaluate(() => {
        const main = document.getElementById('main-content');
        return {
          exists: !!main,
          isMain: !!main && main.matches('main'),
          targeted: !!main && main.matches(':target'),
          focusedInMain: !!main && (document.activeElement === main || main.contains(document.activeElement)),
        };
      });
      assert.ok(after.exists, 'no element with id="main-content"');
      assert.ok(after.isMain, '#main-content should be the <main> element');
      assert.ok(after.targeted || after.focusedInMain, 'Enter on the skip link did not move to #main-content');

      // The next Tab continues from the main content, not from the header.
      await page.keyboard.press('Tab');
      const nextInMain = await page.evaluate(() => {
        const main = document.getElementById('main-content');
        const el = document.activeElement;
        return {
          inside: main.contains(el) || !!(main.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING),
          what: el ? `<${el.tagName.toLowerCase()}> ${el.textContent.trim().slice(0, 60)}` : 'nothing',
        };
      });
      assert.ok(nextInMain.inside, `Tab after the skip link went to ${nextInMain.what}, before the main content`);
    } finally {
      await context.close();
    }
  });
});

describe('responsive', () => {
  test(`${PROVIDER_PAGE} reflows at 320px wide without horizontal scrolling`, { timeout: TEST_TIMEOUT }, async () => {
    const { context, page } = await openContext({ viewport: { width: 320, height: 640 } });
    try {
      const response = await page.goto(origin + PROVIDER_PAGE, { waitUntil: 'load' });
      assert.equal(response.status(), 200);
      const { scrollWidth, offenders } = await page.evaluate(() => {
        const vw = document.documentElement.clientWidth;
        const inScroller = (el) => !!el.closest('.table-wrap');
        const offenders = [];
        for (const el of document.body.querySelectorAll('*')) {
          if (inScroller(el)) continue;
          const r = el.getBoundingClientRect();
          if (r.width > 0 && r.right > vw + 0.5) {
            const id = el.id ? `#${el.id}` : '';
            const cls = el.classList.length ? `.${[...el.classList].join('.')}` : '';
            offenders.push(`${el.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(r.right)}px)`);
          }
        }
        return { scrollWidth: document.documentElement.scrollWidth, offenders: offenders.slice(0, 10) };
      });
      assert.ok(
        scrollWidth <= 320,
        `page is ${scrollWidth}px wide at a 320px viewport; widest elements:\n  ${offenders.join('\n  ')}`,
      );
    } finally {
      await context.close();
    }
  });
});
