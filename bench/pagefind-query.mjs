// What a first Pagefind query downloads, measured in a real browser (Debian's Chromium through
// playwright-core). For each query of QUERIES (one per line, `#` starts a comment), a fresh
// browser context (cold cache) opens SITE's home page and, once it has loaded, runs (BUNDLE is
// the Pagefind bundle's folder inside SITE, default `pagefind`)
//   const pf = await import('/BUNDLE/pagefind.js'); await pf.init();
//   const r = await pf.search(q); await Promise.all(r.results.slice(0, 10).map((x) => x.data()));
// i.e. the engine, its index chunks and the ten results a search page shows. A loopback static
// server counts every response body it sends from then until the query is done (requests
// from the page and from any worker alike), in three sizes:
//   gz   as a web server with gzip on sends it: Pagefind's index and wasm files are gzipped on
//        disk already and count as they are; any other file counts gzipped at level 6;
//   raw  the bytes of the files as served without HTTP compression;
//   unz  uncompressed (Pagefind's gzipped files inflated).
// `code` is pagefind.js, pagefind-worker.js and the wasm; `data` is everything else.
// Median is the upper median (element n/2 of the sorted sizes), as `kohyo search-eval` takes it.
//
//   node bench/pagefind-query.mjs SITE_DIR QUERIES [BUNDLE]
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const [root, queriesFile] = process.argv.slice(2, 4).map((p) => normalize(p));
const bundle = process.argv[4] ?? 'pagefind';
const queries = readFileSync(queriesFile, 'utf8').split('\n').map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.css': 'text/css', '.svg': 'image/svg+xml' };

let sent = [];
const server = createServer((req, res) => {
  let file = join(root, normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)));
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!file.startsWith(root) || !existsSync(file)) return res.writeHead(404).end();
  const body = readFileSync(file);
  sent.push({ path: req.url, body });
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  res.end(body);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });

const gzipped = (b) => b[0] === 0x1f && b[1] === 0x8b;
const sizes = (list) => list.reduce((s, { body }) => ({
  raw: s.raw + body.length,
  gz: s.gz + (gzipped(body) ? body.length : gzipSync(body, { level: 6 }).length),
  unz: s.unz + (gzipped(body) ? gunzipSync(body).length : body.length),
}), { raw: 0, gz: 0, unz: 0 });
const isCode = ({ path }) => /\/pagefind(-worker)?\.js$|\/wasm\.[^/]*\.pagefind$/.test(path);

const rows = [];
console.log('hits  requests  data-gz  data-unz  total-gz  total-raw  query');
for (const q of queries) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${origin}/`, { waitUntil: 'networkidle' });
  sent = [];
  const hits = await page.evaluate(async ([q, bundle]) => {
    const pf = await import(`/${bundle}/pagefind.js`);
    await pf.init();
    const r = await pf.search(q);
    await Promise.all(r.results.slice(0, 10).map((x) => x.data()));
    return r.results.length;
  }, [q, bundle]);
  await context.close();
  const total = sizes(sent);
  const data = sizes(sent.filter((r) => !isCode(r)));
  rows.push({ total, data, code: total.gz - data.gz });
  console.log([[hits, 4], [sent.length, 9], [data.gz, 8], [data.unz, 9], [total.gz, 9],
    [total.raw, 10]].map(([v, w]) => String(v).padStart(w)).join(' ') + `  ${q}`);
}
await browser.close();
server.close();

const pick = (f) => {
  const v = rows.map(f).sort((a, b) => a - b);
  return `${v[Math.floor(v.length / 2)]} ${v[v.length - 1]}`;
};
console.log(`median-worst data-gz ${pick((r) => r.data.gz)}`);
console.log(`median-worst total-gz ${pick((r) => r.total.gz)}`);
console.log(`median-worst data-unz ${pick((r) => r.data.unz)}`);
console.log(`median-worst code-gz ${pick((r) => r.code)}`);
