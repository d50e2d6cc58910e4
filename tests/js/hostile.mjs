// Opens every page of a site built from hostile content (of its goals' history pages, the first 20) in headless Chromium, as a citizen
// would, and prints what happened as JSON for tests/it/hostile.rs: dialogs opened, whether the
// content's script ran (it sets window.__pwned), elements or attributes that could run script,
// sideways scrolling at 360 px, and whether the hostile text shows as text.
//   node tests/js/hostile.mjs PUBLIC_DIR [TEXT ...]
import { launchChromium, serveSite, sitePages } from './harness.mjs';

const [output, ...texts] = process.argv.slice(2);

// History pages: the first 20 in path order (the hostile goals' among them; the long list gives
// 10,000 more, all alike).
let histories = 0;
const pages = sitePages(output).filter((url) => !url.includes('/history/') || ++histories <= 20);
const urls = [
  ...pages,
  // The search page finding the hostile text, and given hostile text as the query itself.
  `search/?q=${encodeURIComponent('__pwned')}`,
  `search/?q=${encodeURIComponent('"><img src=x onerror="window.__pwned=9">')}`,
];
const server = await serveSite(output);
const browser = await launchChromium();
const report = { pages: [] };
try {
  for (const url of urls) {
    const context = await browser.newContext({ viewport: { width: 360, height: 800 }, isMobile: true });
    const page = await context.newPage();
    const dialogs = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.origin}/${url}`);
    if (url.startsWith('search/?q=')) {
      await page.waitForFunction(() => /件|見つかりませんでした/.test(document.getElementById('search-status').textContent), null, { timeout: 20000 });
    }
    await page.waitForTimeout(200);
    const seen = await page.evaluate((texts) => {
      const handlers = [];
      for (const el of document.querySelectorAll('*')) {
        for (const attr of el.attributes) {
          if (attr.name.startsWith('on')) handlers.push(`${el.tagName.toLowerCase()} ${attr.name}`);
        }
      }
      const body = document.body.innerText;
      return {
        pwned: window.__pwned ?? null,
        handlers,
        inlineScripts: [...document.scripts].filter((s) => !s.src && s.type !== 'application/ld+json').length,
        scriptLinks: [...document.querySelectorAll('a[href], area[href], form[action], iframe, object, embed')]
          .filter((el) => /^\s*(javascript|data|vbscript):/i.test(el.getAttribute('href') ?? el.getAttribute('action') ?? 'x:'))
          .length + document.querySelectorAll('iframe, object, embed').length,
        images: document.querySelectorAll('main img').length,
        overflow: Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth),
        shown: texts.filter((t) => body.includes(t)),
        results: document.querySelectorAll('#search-results > li').length,
      };
    }, texts);
    report.pages.push({ url, dialogs, errors, ...seen });
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify(report));
