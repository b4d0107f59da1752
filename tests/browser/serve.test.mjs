// Browser tests for `apdir serve`: live reload and the problems overlay, in Debian's Chromium.
//
//   APDIR_BIN=/path/to/apdir APDIR_ROOT=/path/to/repo node --test tests/browser/
//
// Copies the sample site (APDIR_ROOT: the repository) to a temporary folder, runs
// `apdir serve --port 0` on it, edits files and watches the page react. Skipped when APDIR_BIN
// is not set. Talks only to 127.0.0.1.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { launchChromium } from './harness.mjs';

const require = createRequire(import.meta.url);
const BIN = process.env.APDIR_BIN;
const ROOT = process.env.APDIR_ROOT || path.resolve(import.meta.dirname, '../..');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

describe('apdir serve', { skip: BIN ? false : 'APDIR_BIN is not set' }, () => {
  let dir, server, base, browser, page;
  const record = () => path.join(dir, 'providers/barnoldswick-canal-crafts.toml');
  let original;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'apdir-serve-'));
    for (const entry of ['apdir.toml', 'providers', 'content', 'data', 'areas', 'themes']) {
      await cp(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
    }
    original = await readFile(record(), 'utf8');
    server = spawn(BIN, ['--root', dir, '--color', 'never', 'serve', '--port', '0', '--today', '2026-11-25'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    base = await new Promise((resolve, reject) => {
      const lines = readline.createInterface({ input: server.stdout });
      lines.on('line', (l) => {
        const m = l.match(/^Serving the site at (http:\/\/127\.0\.0\.1:\d+)\//);
        if (m) resolve(m[1]);
      });
      server.on('exit', () => reject(new Error('apdir serve stopped')));
    });
    browser = await launchChromium();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    server?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a saved edit reloads the open page', async () => {
    await page.goto(`${base}/providers/barnoldswick-canal-crafts/`);
    await page.waitForFunction(() => document.readyState === 'complete');
    await page.waitForTimeout(300); // the event stream connects
    await writeFile(record(), original.replace('summary = "Arts', 'summary = "Reloaded arts'));
    await page.waitForFunction(() => document.body.textContent.includes('Reloaded arts'), null, { timeout: 15000 });
  });

  test("another record's edit does not reload a page it does not change", async () => {
    await page.goto(`${base}/providers/barnoldswick-canal-crafts/`);
    await page.waitForFunction(() => document.readyState === 'complete');
    await page.waitForTimeout(300); // the event stream connects
    const version = async () => JSON.parse(await page.evaluate(() => fetch('/__apdir/status').then((r) => r.text()))).version;
    const before = await version();
    await page.evaluate(() => { window.apdirNotReloaded = true; });
    // Another provider's vacancies: its page, listings and the open data change, not this page.
    const other = path.join(dir, 'providers/bashall-brook-care-farm.toml');
    const text = await readFile(other, 'utf8');
    assert.ok(text.includes('vacancies = 1\n'));
    await writeFile(other, text.replace('vacancies = 1\n', 'vacancies = 2\n'));
    const start = Date.now();
    while ((await version()) === before) {
      assert.ok(Date.now() - start < 15000, 'the edit was never rebuilt');
      await page.waitForTimeout(100);
    }
    const status = JSON.parse(await page.evaluate(() => fetch('/__apdir/status').then((r) => r.text())));
    assert.ok(status.changed.some((f) => f.startsWith('data/')), `the open data changed too: ${status.changed}`);
    await page.waitForTimeout(500); // time for a reload, were there one
    assert.equal(await page.evaluate(() => window.apdirNotReloaded), true, 'the page was reloaded');
    await writeFile(other, text);
  });

  test('a broken record shows an accessible overlay with file:line:col, and it goes when fixed', async () => {
    await writeFile(record(), original.replace('schema_version = 1', 'schema_version = 1\nbroken = = 1'));
    const overlay = page.locator('[role="alert"].apdir-overlay');
    await overlay.waitFor({ timeout: 15000 });
    const text = await overlay.textContent();
    assert.match(text, /providers\/barnoldswick-canal-crafts\.toml:3:\d+/);
    // The close button has focus, and the page with the overlay passes axe.
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'apdir-overlay__close');
    // The preview's CSP forbids inline scripts, so axe is evaluated rather than added as a tag.
    await page.evaluate(await readFile(require.resolve('axe-core/axe.min.js'), 'utf8'));
    const result = await page.evaluate(async (tags) => {
      const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
      return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    }, AXE_TAGS);
    assert.deepEqual(result, []);
    // The last good page is still there behind it.
    assert.ok((await page.textContent('body')).includes('Reloaded arts'));
    await writeFile(record(), original);
    await page.waitForFunction(() => !document.querySelector('.apdir-overlay') && !document.body.textContent.includes('Reloaded arts'), null, { timeout: 15000 });
  });

  test('the close button dismisses the overlay', async () => {
    await writeFile(record(), original.replace('schema_version = 1', 'schema_version = 1\nbroken = = 1'));
    await page.locator('.apdir-overlay').waitFor({ timeout: 15000 });
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('.apdir-overlay').count(), 0);
    await writeFile(record(), original);
  });
});
