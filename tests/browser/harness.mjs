// What the browser tests share: a static file server for a built site (like a plain web
// host), Debian's Chromium, pages that block and record requests to other hosts and record
// console errors, and axe-core.

import http from 'node:http';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const AXE_SOURCE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.geojson': 'application/geo+json; charset=utf-8',
  '.svg': 'image/svg+xml; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.bin': 'application/octet-stream',
};

/** Serves `site` (a built site folder) on 127.0.0.1 as a plain static host would. */
export async function serveSite(site) {
  const send404 = async (req, res) => {
    const notFound = path.join(site, '404.html');
    const exists = await stat(notFound).catch(() => null);
    res.writeHead(404, { 'Content-Type': exists ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : exists ? await readFile(notFound) : 'Not found');
  };
  const handle = async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' });
      res.end();
      return;
    }
    const url = new URL(req.url, 'http://127.0.0.1');
    const pathname = decodeURIComponent(url.pathname);
    if (pathname.includes('\0')) {
      res.writeHead(400);
      res.end('Bad request');
      return;
    }
    let file = path.join(site, path.normalize(pathname));
    if (file !== site && !file.startsWith(site + path.sep)) return send404(req, res);
    let s = await stat(file).catch(() => null);
    if (s && s.isDirectory()) {
      if (!pathname.endsWith('/')) {
        // Like a real static host: /providers -> /providers/
        res.writeHead(301, { Location: url.pathname + '/' + url.search });
        res.end();
        return;
      }
      file = path.join(file, 'index.html');
      s = await stat(file).catch(() => null);
    }
    if (!s || !s.isFile()) return send404(req, res);
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file).toLowerCase()] || 'application/octet-stream',
      'Content-Length': s.size,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: async () => {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Debian's Chromium, headless, with nothing that phones home. */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}. Install Debian's package (apt-get install chromium) or set CHROMIUM to a browser binary.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A page in a fresh browser context that blocks (and records in `external`) every request
 * not for 127.0.0.1, and records console errors and uncaught exceptions in `errors`
 * (`{ text, url }`).
 */
export async function openPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const external = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    let u;
    try {
      u = new URL(url);
    } catch {
      external.push(url);
      return route.abort();
    }
    if (['data:', 'blob:', 'about:'].includes(u.protocol)) return route.continue();
    if (u.hostname !== '127.0.0.1') {
      external.push(url);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      errors.push({ text: msg.text(), url: loc && loc.url });
    }
  });
  page.on('pageerror', (err) => errors.push({ text: `Uncaught: ${err.message}` }));
  return { context, page, external, errors };
}

/** axe-core's WCAG 2.2 A and AA violations on the page (`[]` when there are none). */
export async function runAxe(page) {
  // Evaluated through the DevTools protocol, which the pages' Content-Security-Policy
  // (script-src 'self') does not block; an injected inline <script> tag would be blocked.
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  }, AXE_TAGS);
}
