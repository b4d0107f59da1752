// Browser tests of search (/search/) and the provider finder (/providers/).
//
//   APDIR_SITE=/path/to/built/site node --test tests/browser/
//
// The agreement test runs `apdir search --json` (APDIR_BIN, default target/release/apdir)
// on the site folder the build came from (APDIR_ROOT, default the repository root), which
// holds the saved index in .apdir/index.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, openPage, runAxe, serveSite } from './harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const SITE = path.resolve(process.env.APDIR_SITE || '');
const APDIR_BIN = process.env.APDIR_BIN || path.join(REPO, 'target/release/apdir');
const APDIR_ROOT = process.env.APDIR_ROOT || REPO;
const TIMEOUT = 90_000;

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

/** axe-core's violations, one line each. */
async function axe(page) {
  return (await runAxe(page)).map((v) => `${v.id}: ${v.help} at ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
}

async function results(page) {
  return page.$$eval('#search-results li', (lis) => lis.map((li) => ({ doc: Number(li.dataset.doc), title: li.querySelector('a').textContent, url: li.querySelector('a').getAttribute('href'), kind: li.querySelector('.tag').textContent })));
}

async function waitStatus(page, re) {
  await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('search-status').textContent), re.source, { timeout: 10_000 });
}

/** `apdir search`'s did-you-mean for a query (its text output), or null. */
function cliSuggestion(query) {
  const out = execFileSync(APDIR_BIN, ['--root', APDIR_ROOT, 'search', query], { encoding: 'utf8' });
  const m = /^Did you mean: (.*)\?$/m.exec(out);
  return m ? m[1] : null;
}

function cli(query, extra = []) {
  const out = execFileSync(APDIR_BIN, ['--root', APDIR_ROOT, 'search', query, '--json', '--limit', '10', ...extra], { encoding: 'utf8' });
  return JSON.parse(out);
}

/** The relevance set: [{kind, q, expect}] from tests/fixtures/search/relevance.toml (its simple shape only). */
function relevanceSet() {
  const text = readFileSync(path.join(REPO, 'tests/fixtures/search/relevance.toml'), 'utf8');
  return text.split('[[query]]').slice(1).map((block) => ({
    kind: /kind = "([^"]*)"/.exec(block)[1],
    q: /q = "([^"]*)"/.exec(block)[1],
    knownMiss: /known_miss = "/.test(block),
    expect: [...(/expect = \[([^\]]*)\]/.exec(block)[1]).matchAll(/"([^"]*)"/g)].map((m) => m[1]),
  }));
}

describe('search page', () => {
  test('the relevance set: an expected page in the top 3, submitted and typed', { timeout: 600_000 }, async () => {
    const { context, page } = await open();
    const failed = [];
    let submitted = 0, submittedRuns = 0, typed = 0;
    const set = relevanceSet();
    try {
      for (const c of set) {
        if (c.kind !== 'prefix') {
          submittedRuns++;
          await page.goto(`${origin}/search/?q=${encodeURIComponent(c.q)}`);
          await waitStatus(page, /“/);
          const top = (await results(page)).slice(0, 3).map((x) => x.url);
          if (top.some((u) => c.expect.includes(u))) submitted++; else if (!c.knownMiss) failed.push(`submitted [${c.kind}] "${c.q}": ${top.join(' ')}`);
        }
        await page.goto(`${origin}/search/`);
        await page.fill('#search-q', c.q);
        await waitStatus(page, new RegExp('“' + c.q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '”'));
        const top = (await results(page)).slice(0, 3).map((x) => x.url);
        if (top.some((u) => c.expect.includes(u))) typed++; else if (!c.knownMiss) failed.push(`typed [${c.kind}] "${c.q}": ${top.join(' ')}`);
      }
    } finally { await context.close(); }
    console.log(`relevance in Chromium: submitted ${submitted}/${submittedRuns}, typed ${typed}/${set.length}`);
    assert.deepEqual(failed, []);
  });

  test('partial matches are labelled, a place is explained, and an empty search offers browsing', { timeout: TIMEOUT }, async () => {
    const { context, page } = await open();
    try {
      await page.goto(`${origin}/search/?q=${encodeURIComponent('timetable zzqxjv')}`);
      await waitStatus(page, /match some of them/);
      assert.match(await page.locator('#search-results li').first().innerText(), /Partial match/);
      assert.deepEqual(await axe(page), []);
      await page.goto(`${origin}/search/?q=${encodeURIComponent('anxiety near Preston')}`);
      await waitStatus(page, /“/);
      assert.match(await page.locator('#search-places').innerText(), /Providers in Preston/);
      assert.equal(await page.locator('#search-places a').getAttribute('href'), '/districts/preston/');
      await page.goto(`${origin}/search/?q=zzqxjv`);
      await waitStatus(page, /No results/);
      assert.ok(await page.locator('#search-browse').isVisible());
      assert.equal(await page.locator('#search-browse a[href="/needs/"]').count(), 1);
      assert.deepEqual(await axe(page), []);
    } finally { await context.close(); }
  });

  test('did you mean: a misspelled query offers the closest words of the site as a link', { timeout: TIMEOUT }, async () => {
    const { context, page } = await open();
    try {
      await page.goto(`${origin}/search/?q=${encodeURIComponent('safgaurding checks')}&type=guide`);
      await waitStatus(page, /Did you mean/);
      const link = page.locator('#search-status a');
      assert.equal(await link.innerText(), 'safeguarding checks');
      assert.equal(await link.getAttribute('href'), '/search/?q=safeguarding+checks&type=guide');
      assert.deepEqual(await axe(page), []);
      await link.click();
      await waitStatus(page, /for “safeguarding checks”/);
      assert.doesNotMatch(await page.locator('#search-status').innerText(), /Did you mean/);
      const top = (await results(page)).slice(0, 3).map((x) => x.url);
      assert.ok(top.includes('/guide/quality/safeguarding-checks/'), top.join(' '));
      // Nothing close: no suggestion, the browse links instead.
      await page.goto(`${origin}/search/?q=zzqxjv`);
      await waitStatus(page, /No results/);
      assert.doesNotMatch(await page.locator('#search-status').innerText(), /Did you mean/);
    } finally { await context.close(); }
  });

  test('a stemmed query: "excluded" finds the guide pages about exclusion, labelled', { timeout: TIMEOUT }, async () => {
    const { context, page, external, errors } = await open();
    try {
      await page.goto(`${origin}/search/?q=excluded&type=guide`);
      await waitStatus(page, /guide page/);
      const r = await results(page);
      assert.ok(r.length > 0, 'no results');
      assert.ok(r.slice(0, 3).some((x) => /exclusion/i.test(x.title)), `top results: ${r.map((x) => x.title).join(' | ')}`);
      assert.ok(r.every((x) => x.kind === 'Guide page'));
      const marks = await page.$$eval('#search-results mark', (m) => m.map((x) => x.textContent.toLowerCase()));
      assert.ok(marks.some((m) => m.startsWith('exclud')), `highlighted: ${marks.join(', ')}`);
      assert.deepEqual(await axe(page), []);
      assert.deepEqual(external, []);
      assert.deepEqual(errors, []);
    } finally { await context.close(); }
  });

  test('typing: a misspelling and a prefix find results; the URL follows; results are announced', { timeout: TIMEOUT }, async () => {
    const { context, page } = await open();
    try {
      await page.goto(`${origin}/search/`);
      await page.fill('#search-q', 'timetabel');
      await waitStatus(page, /for “timetabel”/);
      let r = await results(page);
      assert.ok(r.some((x) => /part-time timetable/i.test(x.title)), `misspelling: ${r.map((x) => x.title).join(' | ')}`);
      assert.match(page.url(), /\?q=timetabel/);
      await page.fill('#search-q', '');
      await page.locator('#search-q').pressSequentially('ribbles', { delay: 20 });
      await waitStatus(page, /for “ribbles”/);
      r = await results(page);
      assert.ok(r.some((x) => /Ribbleside/.test(x.title)), `prefix: ${r.map((x) => x.title).join(' | ')}`);
      assert.equal(await page.getAttribute('#search-status', 'aria-live'), 'polite');
    } finally { await context.close(); }
  });

  test('no results and an error state pass axe', { timeout: TIMEOUT }, async () => {
    const { context, page } = await open();
    try {
      await page.goto(`${origin}/search/?q=zzqxjv`);
      await waitStatus(page, /No results/);
      assert.equal((await results(page)).length, 0);
      assert.deepEqual(await axe(page), []);
      await page.route('**/search/meta.json', (r) => r.abort());
      await page.goto(`${origin}/search/?q=anxiety`);
      await waitStatus(page, /could not load/);
      assert.deepEqual(await axe(page), []);
    } finally { await context.close(); }
  });

  test('without JavaScript the page says why and links to the directory and guide', { timeout: TIMEOUT }, async () => {
    const { context, page } = await open({ javaScriptEnabled: false });
    try {
      await page.goto(`${origin}/search/?q=anxiety`);
      assert.match(await page.locator('#search-nojs').innerText(), /needs JavaScript/);
      assert.equal(await page.locator('#search-nojs a[href="/providers/"]').count(), 1);
      assert.equal(await page.locator('#search-nojs a[href="/guide/"]').count(), 1);
    } finally { await context.close(); }
  });

  const AGREE = ['excluded', 'part time timetable', 'anxiety', 'day 6', 'tier 2 preston', 'semh', 'reintegration', 'exclsion', 'motor vehicle', 'ehcp',
    'pex', 'PRU', 'offrolling', 'anxiety near preston', 'what happens if my child is excluded', 'timetabling', 'timetable zzqxjv', 'safegaurding',
    'independent review panel', 'home education', 'kids with EHCP and SEMH', 'looked after children', 'short stay school', 'safgaurding checks'];
  test(`the browser ranks as apdir search does (${AGREE.length} queries)`, { timeout: TIMEOUT }, async () => {
    const { context, page } = await open();
    try {
      await page.goto(`${origin}/search/`);
      await page.waitForFunction(() => !!window.APDIRSearch);
      for (const q of AGREE) {
        const mine = await page.evaluate((q) => window.APDIRSearch.search(q, {}).then((r) => r.hits.slice(0, 10)), q);
        const theirs = cli(q);
        assert.equal(mine.length, theirs.length, `"${q}": ${mine.length} browser results, ${theirs.length} from apdir search`);
        for (let i = 0; i < theirs.length; i++) {
          if (mine[i].doc === theirs[i].doc) { assert.equal(mine[i].partial, theirs[i].partial, `"${q}" rank ${i + 1}: partial`); continue; }
          // Only a float-rounding tie may swap places.
          assert.ok(Math.abs(mine[i].score - theirs[i].score) < 1e-3 * theirs[i].score, `"${q}" rank ${i + 1}: browser doc ${mine[i].doc}, apdir doc ${theirs[i].doc}`);
        }
        for (let i = 0; i < theirs.length; i++) assert.ok(Math.abs(mine[i].score - theirs[i].score) < 1e-3 * Math.max(1, theirs[i].score), `"${q}" score ${i + 1}: ${mine[i].score} vs ${theirs[i].score}`);
      }
      // Did you mean, the same in both.
      for (const q of ['safgaurding checks', 'how do I make a refferal', 'exclsuion', 'zzqxjv', 'anxiety near prestn']) {
        const mine = await page.evaluate((q) => window.APDIRSearch.suggest(q, false), q);
        assert.equal(mine, cliSuggestion(q), `did you mean for "${q}"`);
      }
      // Prefix mode too (as you type).
      const mine = await page.evaluate(() => window.APDIRSearch.search('part time time', { prefix: true }).then((r) => r.hits.slice(0, 10).map((h) => h.doc)));
      assert.deepEqual(mine, cli('part time time', ['--prefix']).map((h) => h.doc));
    } finally { await context.close(); }
  });
});

async function finderStatus(page, re) {
  await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('finder-status').textContent), re.source, { timeout: 10_000 });
  return page.locator('#finder-status').innerText();
}

/** Waits until every result shown has its card drawn (cards load per result). */
async function drawn(page) {
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#finder-results > li')).every((li) => li.querySelector('h3')), null, { timeout: 10_000 });
}

function countOf(text) {
  const m = /\((\d+)\)/.exec(text);
  return m ? Number(m[1]) : NaN;
}

describe('provider finder', () => {
  test('facets combine, counts follow the selection, the URL keeps the state and Back works', { timeout: TIMEOUT }, async () => {
    const { context, page, external, errors } = await open();
    try {
      await page.goto(`${origin}/providers/`);
      const all = countOf('(' + (/(\d+) providers/.exec(await finderStatus(page, /providers match/)) || [])[1] + ')');
      assert.ok(all >= 30, `all providers: ${all}`);
      const semhLabel = page.locator('label', { hasText: /^Social, emotional and mental health/ });
      const semhCount = countOf(await semhLabel.innerText());
      await semhLabel.click();
      let st = await finderStatus(page, new RegExp(`^${semhCount} provider`));
      assert.match(page.url(), /need=semh/);
      assert.equal(await page.locator('#finder-results > li').count(), Math.min(semhCount, 25));
      // A second facet: the count shown beside it is what we get.
      const ks3 = page.locator('label[for^="finder-ks-"]', { hasText: /^Key stage 3/ });
      const ks3Count = countOf(await ks3.innerText());
      assert.ok(ks3Count <= semhCount);
      await ks3.click();
      st = await finderStatus(page, new RegExp(`^(${ks3Count} provider|No providers)`));
      assert.match(page.url(), /need=semh/);
      assert.match(page.url(), /ks=ks3/i);
      const day6 = page.locator('label[for="finder-flag-day6"]');
      const day6Count = countOf(await day6.innerText());
      await day6.click();
      await finderStatus(page, new RegExp(`^(${day6Count} provider|No providers)`));
      assert.match(page.url(), /day6=1/);
      await page.goBack();
      await finderStatus(page, new RegExp(`^${ks3Count} provider`));
      assert.equal(await page.isChecked('#finder-flag-day6'), false);
      assert.deepEqual(await axe(page), []);
      assert.deepEqual(external, []);
      assert.deepEqual(errors, []);
    } finally { await context.close(); }
  });

  test('a text query narrows the finder', { timeout: TIMEOUT }, async () => {
    const { context, page } = await open();
    try {
      // The motor project is suspended: left out unless asked for (see finder.test.mjs).
      await page.goto(`${origin}/providers/?q=motor&all=1`);
      await finderStatus(page, /best match first|No providers/);
      await drawn(page);
      const names = await page.$$eval('#finder-results h3', (h) => h.map((x) => x.textContent));
      assert.ok(names.length >= 1 && /Motor/.test(names[0]), names.join(' | '));
    } finally { await context.close(); }
  });

  test('postcode: any case and spacing, sorted by distance, "about N miles"', { timeout: TIMEOUT }, async () => {
    const { context, page } = await open();
    try {
      await page.goto(`${origin}/providers/`);
      await finderStatus(page, /providers match/);
      await page.fill('#finder-pc', 'pr71ab');
      await page.click('#finder-form button[type="submit"]');
      await finderStatus(page, /nearest to PR7/);
      await drawn(page);
      const miles = await page.$$eval('#finder-results .finder__distance', (p) => p.map((x) => x.textContent));
      assert.ok(miles.length > 0);
      assert.match(miles[0], /^About \d+\.\d miles from PR7/);
      const nums = miles.map((m) => Number(/About ([\d.]+)/.exec(m)[1]));
      assert.deepEqual(nums, [...nums].sort((a, b) => a - b), 'not sorted by distance');
      assert.match(page.url(), /pc=pr71ab/i);
      // The outcode alone works too.
      await page.fill('#finder-pc', 'Pr7');
      await page.click('#finder-form button[type="submit"]');
      await finderStatus(page, /nearest to PR7 first/);
    } finally { await context.close(); }
  });

  test('an unknown or malformed postcode gets a clear message (axe clean)', { timeout: TIMEOUT }, async () => {
    const { context, page, external } = await open();
    try {
      await page.goto(`${origin}/providers/`);
      await finderStatus(page, /providers match/);
      await page.fill('#finder-pc', 'ZZ99 9ZZ');
      await page.click('#finder-form button[type="submit"]');
      await page.waitForSelector('.error-summary');
      assert.match(await page.locator('.error-summary').innerText(), /do not know the postcode area ZZ99/);
      assert.match(await page.locator('#finder-pc-error').innerText(), /ZZ99/);
      assert.deepEqual(await axe(page), []);
      await page.fill('#finder-pc', 'not a postcode');
      await page.click('#finder-form button[type="submit"]');
      await page.waitForFunction(() => /Enter a postcode like/.test(document.querySelector('.error-summary')?.textContent || ''));
      assert.deepEqual(external, []);
    } finally { await context.close(); }
  });
});
