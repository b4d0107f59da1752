// Browser benchmark of apdir's static search against Pagefind on the same built site.
//
//   node scripts/bench-search.mjs SITE_DIR
//
// SITE_DIR is a built apdir site; when SITE_DIR/pagefind/pagefind.js exists (run Pagefind
// over the same pages first, see scripts/bench-search), Pagefind is measured too.
// Reports, for each tool: gzip bytes fetched for a first query (data files; and with the
// search scripts/wasm), and the median keystroke-to-results time while typing queries
// (results = ranked list plus the top 10 results' titles and snippets). Uses Debian's
// Chromium through tests/browser/node_modules/playwright-core. Not run by CI.

import http from 'node:http';
import path from 'node:path';
import { existsSync, statSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(HERE, '../tests/browser/package.json'));
const { chromium } = require('playwright-core');

const SITE = path.resolve(process.argv[2] || 'target/synth-site');
const QUERIES = (process.env.QUERIES || 'anxiety,part time timetable,day 6 start,reintegration plan,preston tier 2').split(',');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm' };

const gzCache = new Map();
function gzBytes(urlPath) {
  if (!gzCache.has(urlPath)) {
    let f = path.join(SITE, decodeURIComponent(urlPath));
    if (existsSync(f) && statSync(f).isDirectory()) f = path.join(f, 'index.html');
    const body = readFileSync(f);
    // Pagefind's own files are already gzip-compressed (pf_meta, fragments, index chunks).
    const pre = body[0] === 0x1f && body[1] === 0x8b;
    gzCache.set(urlPath, pre ? body.length : gzipSync(body).length);
  }
  return gzCache.get(urlPath);
}

const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://127.0.0.1');
  let f = path.join(SITE, decodeURIComponent(u.pathname));
  if (existsSync(f) && statSync(f).isDirectory()) f = path.join(f, 'index.html');
  if (!f.startsWith(SITE) || !existsSync(f)) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(f)] || 'application/octet-stream' });
  res.end(readFileSync(f));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--headless'] });

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

async function measure(name, setup, runQuery, preloaded = []) {
  const page = await browser.newPage();
  const requested = [];
  await page.goto(origin + '/search/');
  await page.evaluate(setup);
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  const t0 = Date.now();
  await page.evaluate(runQuery, QUERIES[0]);
  const firstMs = Date.now() - t0;
  const isScript = (p) => /\.(js|wasm)$/.test(p) || p.includes('wasm');
  const data = requested.filter((p) => !isScript(p)).reduce((a, p) => a + gzBytes(p), 0);
  const firstRequests = requested.length;
  const all = [...preloaded, ...requested].reduce((a, p) => a + gzBytes(p), 0);
  // Keystroke timings: every prefix of every query (warm caches after the first).
  const times = [];
  for (const q of QUERIES) {
    for (let i = 1; i <= q.length; i++) {
      const t = await page.evaluate(async ([fn, text]) => {
        const f = new Function('return ' + fn)();
        const s = performance.now();
        await f(text);
        return performance.now() - s;
      }, [runQuery.toString(), q.slice(0, i)]);
      times.push(t);
    }
  }
  await page.close();
  // Cold first-query bytes for every query (a fresh page each).
  const cold = [];
  for (const q of QUERIES) {
    const p2 = await browser.newPage();
    const req = [];
    await p2.goto(origin + '/search/');
    await p2.evaluate(setup);
    p2.on('request', (r) => req.push(new URL(r.url()).pathname));
    await p2.evaluate(runQuery, q);
    cold.push([...preloaded, ...req].reduce((a, p) => a + gzBytes(p), 0) / 1024);
    if (process.env.SHOW_REQUESTS) console.error(name, q, [...preloaded, ...req].map((p) => `${p} ${gzBytes(p)}`).join('\n  '));
    await p2.close();
  }
  return { name, max_first_query_gzip_kb_with_scripts: +Math.max(...cold).toFixed(1), first_query_gzip_kb_by_query: Object.fromEntries(QUERIES.map((q, i) => [q, +cold[i].toFixed(1)])), first_query_requests: firstRequests, data_gzip_kb: +(data / 1024).toFixed(1), with_scripts_gzip_kb: +(all / 1024).toFixed(1), first_query_ms: firstMs, median_keystroke_ms: +median(times).toFixed(1), keystrokes: times.length };
}

const rows = [];
rows.push(await measure('apdir', () => {}, async (q) => {
  const S = window.APDIRSearch;
  const r = await S.search(q, { prefix: true });
  const docs = await Promise.all(r.hits.slice(0, 10).map((h) => S.doc(h.doc)));
  docs.forEach((d) => S.snippet(d.x, r.planned));
  return r.hits.length;
}, ['/js/search-core.js']));

if (existsSync(path.join(SITE, 'pagefind/pagefind.js'))) {
  rows.push(await measure('pagefind', async () => {
    window.__pf = await import('/pagefind/pagefind.js');
    await window.__pf.options({ excerptLength: 30 });
  }, async (q) => {
    const pf = window.__pf;
    const r = await pf.search(q);
    const data = await Promise.all(r.results.slice(0, 10).map((x) => x.data()));
    return data.length;
  }));
}

console.table(rows);
console.log(JSON.stringify(rows));
await browser.close();
server.close();
