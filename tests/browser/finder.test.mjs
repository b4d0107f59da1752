// Browser tests of the finder as a school uses it: the SENCo's task (a Burnley pupil, tier 2,
// SEMH, Year 9, places free, within 10 miles), what is left out by default, the distance
// limit, the shortlist and the compare page, and the 320 px first screen.
//
//   APDIR_SITE=/tmp/finder-site CHROMIUM=/usr/bin/chromium node --test finder.test.mjs

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { launchChromium, openPage, runAxe, serveSite } from './harness.mjs';

const SITE = path.resolve(process.env.APDIR_SITE || '');
const TIMEOUT = 90_000;
const SUSPENDED = 'Forge Street Motor Project';
const BURNLEY = 'BB10 1AA';

let site, origin, browser;
before(async () => {
  assert.ok(existsSync(path.join(SITE, 'index.html')), 'APDIR_SITE must point at a built site');
  site = await serveSite(SITE);
  origin = site.origin;
  browser = await launchChromium();
});
after(async () => {
  if (browser) await browser.close();
  if (site) await site.close();
});

const open = (options = {}) => openPage(browser, options);
async function axe(page) {
  return (await runAxe(page)).map((v) => `${v.id}: ${v.help} at ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
}
async function status(page, re) {
  await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('finder-status').textContent), re.source, { timeout: 15_000 });
  return page.locator('#finder-status').innerText();
}
/** Waits until every result shown has its card drawn, then returns the cards' facts. */
async function cards(page) {
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#finder-results > li')).every((li) => li.querySelector('h3')), null, { timeout: 15_000 });
  return page.$$eval('#finder-results > li', (lis) =>
    lis.map((li) => ({
      name: li.querySelector('h3 a').textContent,
      status: (li.querySelector('.card__status') || {}).textContent || '',
      distance: (li.querySelector('.finder__distance') || {}).textContent || '',
      text: li.textContent,
      vacancies: Array.from(li.querySelectorAll('dt')).find((d) => d.textContent === 'Vacancies').nextElementSibling.textContent,
    })),
  );
}
const milesOf = (c) => Number((/About ([\d.]+) miles/.exec(c.distance) || [])[1]);

describe('finder', () => {
  test('the SENCo task: a Burnley Year 9 pupil, tier 2, SEMH, places free, within 10 miles', { timeout: TIMEOUT }, async () => {
    const { context, page, external, errors } = await open();
    try {
      await page.goto(`${origin}/`);
      await page.fill('#home-pc', BURNLEY);
      await page.click('.home-finder button[type="submit"]');
      await status(page, /nearest to BB10 1AA first/);
      const all = await cards(page);
      assert.ok(!all.some((c) => c.name === SUSPENDED), 'the suspended provider is left out by default');
      await page.selectOption('#finder-dist', '10');
      await status(page, /within 10 miles of BB10 1AA/);
      const near = await cards(page);
      assert.ok(near.length > 0 && near.length < all.length, 'the distance limit removes providers');
      for (const c of near) assert.ok(milesOf(c) <= 10, `${c.name} is ${c.distance}`);
      if ((await page.locator('#finder-filters').getAttribute('open')) === null) await page.locator('#finder-filters summary').click();
      await page.check('#finder-flag-vacancies');
      await status(page, /within 10 miles/);
      await page.selectOption('#finder-year', '9');
      await page.locator('label[for^="finder-tier-"]', { hasText: /^Tier 2/ }).click();
      await page.locator('label[for^="finder-need-"]', { hasText: /SEMH/ }).click();
      const st = await status(page, /within 10 miles of BB10 1AA|No providers/);
      const got = st.startsWith('No providers') ? [] : await cards(page);
      for (const c of got) {
        assert.equal(c.status.includes('Suspended'), false, c.name);
        assert.match(c.vacancies, /places? free on/, `${c.name}: ${c.vacancies}`);
        assert.ok(milesOf(c) <= 10, c.name);
        assert.match(c.text, /Tiers\s*[\d, ]*2/);
      }
      const applied = await page.locator('#finder-applied').innerText();
      for (const f of ['Within 10 miles', 'Year 9', 'Has places free now', 'Tier: Tier 2', 'SEMH']) assert.ok(applied.includes(f), `${f} in ${applied}`);
      assert.match(await page.locator('#finder-filters summary').innerText(), /Filters \(6\)/);
      // Remove one filter from the summary: the year group goes, the rest stay.
      await page.locator('#finder-applied button', { hasText: 'Year 9' }).click();
      await status(page, /within 10 miles/);
      assert.equal(await page.inputValue('#finder-year'), '');
      assert.ok(page.url().includes('dist=10') && !page.url().includes('year='));
      assert.deepEqual(await axe(page), []);
      assert.deepEqual(external, []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('suspended providers only with the explicit option, labelled; stale figures never as free', { timeout: TIMEOUT }, async () => {
    const { context, page, errors } = await open();
    try {
      await page.goto(`${origin}/providers/?all=1`);
      await status(page, /providers match/);
      let all = [];
      while (await page.locator('#finder-more').isVisible()) await page.click('#finder-more');
      all = await cards(page);
      const s = all.find((c) => c.name === SUSPENDED);
      assert.ok(s, 'included on request');
      assert.match(s.status, /Suspended/);
      assert.doesNotMatch(s.vacancies, /places? free/);
      assert.ok(all.some((c) => /not confirmed since/.test(c.vacancies)), 'the sample has stale figures');
      await page.goto(`${origin}/providers/?vacancies=1&all=1`);
      await status(page, /providers? match|No providers/);
      for (const c of await cards(page)) assert.match(c.vacancies, /places? free on/, `${c.name}: ${c.vacancies}`);
      assert.equal(await page.locator('#finder-more').isVisible(), false, '"Show more" stays hidden when there is nothing more');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('the shortlist survives a reload and its compare page passes axe and prints on one page', { timeout: TIMEOUT }, async () => {
    const { context, page, external, errors } = await open();
    try {
      await page.goto(`${origin}/providers/`);
      await status(page, /providers match/);
      const shown = await cards(page);
      const names = shown.slice(0, 6).map((c) => c.name);
      for (let i = 0; i < 6; i++) await page.locator('#finder-results > li').nth(i).locator('.shortlist__toggle').click();
      await page.reload();
      await status(page, /providers match/);
      await cards(page);
      const pressed = await page.$$eval('#finder-results .shortlist__toggle[aria-pressed="true"]', (b) => b.length);
      assert.equal(pressed, 6, 'the shortlist survives a reload');
      await page.click('#shortlist-bar a');
      await page.waitForSelector('#compare-table thead th');
      const heads = await page.$$eval('#compare-table thead th', (t) => t.map((x) => x.querySelector('a').textContent));
      assert.deepEqual(heads, names);
      assert.match(page.url(), /\/compare\/\?ids=[a-z0-9-]+(,[a-z0-9-]+){5}$/);
      assert.deepEqual(await axe(page), []);
      const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: false });
      const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
      assert.equal(pages, 1, 'the comparison prints on one A4 landscape page');
      // A shared link opens the same comparison in another browser (no shortlist there).
      const other = await open();
      try {
        await other.page.goto(page.url());
        await other.page.waitForSelector('#compare-table thead th');
        assert.deepEqual(await other.page.$$eval('#compare-table thead th', (t) => t.map((x) => x.querySelector('a').textContent)), names);
      } finally {
        await other.context.close();
      }
      assert.deepEqual(external, []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('a site whose address is withheld is an area on the map, never a point, and says so', { timeout: TIMEOUT }, async () => {
    const { context, page, external, errors } = await open({ viewport: { width: 1280, height: 900 } });
    try {
      // Homeward Tuition withholds both its addresses; Burnley is beside them.
      await page.goto(`${origin}/providers/?pc=${encodeURIComponent(BURNLEY)}&dist=10`);
      await status(page, /within 10 miles of BB10 1AA/);
      const shown = await cards(page);
      const at = shown.findIndex((c) => c.name === 'Homeward Tuition East Lancashire');
      assert.ok(at >= 0, 'the masked provider is among the results');
      assert.match(shown[at].distance, /address not published/);
      await page.waitForSelector('#finder-map svg');
      const map = await page.$eval('#finder-map', (m) => ({
        areas: m.querySelectorAll('.finder__map-area').length,
        points: m.querySelectorAll('.finder__map-site').length,
        masked: Array.from(m.querySelectorAll('text[data-masked]')).map((t) => Number(t.textContent)),
        note: m.querySelector('.finder__map-note').textContent,
      }));
      assert.ok(map.masked.includes(at + 1), `result ${at + 1} is marked as masked: ${JSON.stringify(map)}`);
      assert.equal(map.areas + map.points, shown.length, 'each result drawn once');
      assert.equal(map.areas, map.masked.length);
      assert.ok(map.note.includes(String(at + 1)) && /not publish an address/.test(map.note), map.note);
      // Only results whose nearest site is published are points.
      for (const [i, c] of shown.entries()) assert.equal(map.masked.includes(i + 1), /address not published/.test(c.distance), c.name);
      assert.deepEqual(await axe(page), []);
      assert.deepEqual(external, []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('at 320 px the first result is on the first screen and the filters fold by keyboard', { timeout: TIMEOUT }, async () => {
    const { context, page, errors } = await open({ viewport: { width: 320, height: 640 } });
    try {
      await page.goto(`${origin}/providers/?pc=${encodeURIComponent(BURNLEY)}`);
      await status(page, /providers match/);
      await cards(page);
      const box = await page.locator('#finder-results > li').first().boundingBox();
      assert.ok(box && box.y < 640, `the first result starts at ${box && box.y}px`);
      assert.equal(await page.locator('#finder-filters').getAttribute('open'), null, 'filters start folded');
      await page.locator('#finder-filters summary').focus();
      await page.keyboard.press('Enter');
      assert.notEqual(await page.locator('#finder-filters').getAttribute('open'), null, 'Enter opens the filters');
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(scroll <= 320, `no sideways scrolling (${scroll}px)`);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('the compare page without JavaScript explains and links to the providers', { timeout: TIMEOUT }, async () => {
    const { context, page } = await open({ javaScriptEnabled: false });
    try {
      await page.goto(`${origin}/compare/?ids=a,b`);
      assert.match(await page.locator('#compare-nojs').innerText(), /needs JavaScript/);
      assert.equal(await page.locator('#compare-nojs a[href="/providers/"]').count(), 1);
    } finally {
      await context.close();
    }
  });
});
