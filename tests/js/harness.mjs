// What the browser tests share: a static server for a built site (real HTTP, the content types
// a web server sends) and Debian's Chromium, headless, launched through playwright-core.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, relative } from 'node:path';
import { chromium } from 'playwright-core';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonld': 'application/ld+json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Serve `root` on a free loopback port; resolves to { origin, close }. Unknown paths get
 * the site's 404 page with status 404, as a static host would. */
export async function serveSite(root, { ranges = false } = {}) {
  // How the search index's bundles were sent: cut to a range (206) or whole (200).
  const bundles = { ranged: 0, whole: 0 };
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    let file = join(root, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file.startsWith(root) || !existsSync(file)) {
      const notFound = join(root, '404.html');
      res.writeHead(404, { 'content-type': TYPES['.html'] });
      if (existsSync(notFound)) createReadStream(notFound).pipe(res);
      else res.end();
      return;
    }
    const type = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' };
    const bundle = file.endsWith('.bundle');
    // One range of bytes, as static hosts answer `Range`; without `ranges`, the whole file.
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (ranges && range) {
      const size = statSync(file).size;
      const [start, end] = [Number(range[1]), Math.min(Number(range[2]), size - 1)];
      if (bundle) bundles.ranged += 1;
      res.writeHead(206, { ...type, 'content-range': `bytes ${start}-${end}/${size}` });
      createReadStream(file, { start, end }).pipe(res);
      return;
    }
    if (bundle) bundles.whole += 1;
    res.writeHead(200, type);
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    bundles,
    close: () => server.close(),
  };
}

/** Debian's Chromium (or $CHROMIUM), headless, with nothing reaching the network. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** The URL path (without the leading slash) of every `index.html` page under `root`, sorted. */
export function sitePages(root, dir = root) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...sitePages(root, path));
    else if (name === 'index.html') found.push(relative(root, dir) === '' ? '' : `${relative(root, dir)}/`);
  }
  return found;
}
