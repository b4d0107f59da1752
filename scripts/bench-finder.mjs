// Browser benchmark of the provider finder on a built site (the 10,000-provider synthetic
// site, see scripts/bench-finder).
//
//   node scripts/bench-finder.mjs SITE_DIR
//
// Reports the gzip bytes of the finder's data fetched before the first result is drawn
// (finder/, search/ files; not HTML, CSS or scripts), with no postcode and with a postcode,
// and the median time from a filter change to updated results (status and counts; the
// cards of the first page follow as their files arrive). Uses Debian's Chromium through
// tests/browser/node_modules/playwright-core. Not run by CI.

import http from 'node:http';
import path from 'node:path';
import { existsSync, statSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(HERE, '../tests/browser/package.json'));
const { chromium } = require('playwright-core');

const SITE = path.resolve(process.argv[2] || 'target/finder-bench-site');
const PC = process.env.PC || 'PR7 1AB';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

const gz = new Map();
function gzBytes(urlPath) {
  if (!gz.has(urlPath)) {
    let f = path.join(SITE, decodeURIComponent(urlPath));
    if (existsSync(f) && statSync(f).isDirectory()) f = path.join(f, 'index.html');
    gz.set(urlPath, gzipSync(readFileSync(f), { level: 9 }).length);
  }
  return gz.get(urlPath);
}

const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  let f = path.join(SITE, decodeURIComponent(u.pathname));
  if (existsSync(f) && statSync(f).isDirectory()) f = path.join(f, 'index.html');
  if (!existsSync(f)) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(f)] || 'application/octet-stream' });
  res.end(readFileSync(f));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });

async function firstResult(query) {
  const page = await browser.newPage();
  const fetched = [];
  page.on('request', (r) => {
    const p = new URL(r.url()).pathname;
    if (p.startsWith('/finder/') || p.startsWith('/search/')) fetched.push(p);
  });
  await page.goto(`${origin}/providers/${query}`);
  await page.waitForSelector('#finder-results > li h3', { timeout: 60_000 });
  const before = fetched.slice();
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#finder-results > li')).every((li) => li.querySelector('h3')), null, { timeout: 60_000 });
  const page1 = fetched.slice();
  const sum = (list) => list.reduce((a, p) => a + gzBytes(p), 0);
  const cards = (list) => list.filter((p) => p.startsWith('/finder/c/')).length;
  return { page, first: sum(before), firstFiles: before.length, firstCards: cards(before), page1: sum(page1), page1Cards: cards(page1), shard: gzBytes('/finder/providers.json') };
}

const kb = (b) => (b / 1024).toFixed(1) + ' KB';
const plain = await firstResult('');
console.log(`finder/providers.json (first shard): ${kb(plain.shard)} gzip`);
console.log(`finder/c/0.json (one card file): ${kb(gzBytes('/finder/c/0.json'))} gzip; finder/docs.json (on the first words typed): ${kb(gzBytes('/finder/docs.json'))} gzip`);
console.log(`no postcode: ${kb(plain.first)} gzip before the first result (${plain.firstFiles} files, ${plain.firstCards} card file); ${kb(plain.page1)} for the first page of 25 (${plain.page1Cards} card files)`);
const near = await firstResult(`?pc=${encodeURIComponent(PC)}`);
console.log(`postcode ${PC}: ${kb(near.first)} gzip before the first result (${near.firstFiles} files); ${kb(near.page1)} for the first page of 25 (${near.page1Cards} card files)`);

// Filter change → updated results (status and counts), median of 31 toggles.
const times = await plain.page.evaluate(async () => {
  const box = document.querySelector('#finder-flag-day6');
  const out = [];
  for (let i = 0; i < 31; i++) {
    const t0 = performance.now();
    const done = new Promise((r) => document.addEventListener('apdir:finder', r, { once: true }));
    box.click();
    await done;
    out.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 30));
  }
  return out.sort((a, b) => a - b);
});
console.log(`filter change to results: median ${times[15].toFixed(1)} ms, max ${times[30].toFixed(1)} ms (31 toggles)`);
await browser.close();
server.close();
