// Checks every page of a built site in headless Chromium the way an accessibility tester would,
// and prints the findings as JSON for tests/it/accessibility.rs to judge.
//   node tests/js/a11y.mjs PUBLIC_DIR ARTEFACT_DIR
// Per page: axe-core with the WCAG 2.0/2.1 A and AA rules; the first Tab reaches the skip link,
// which moves focus to the main content; every focus stop shows a focus indicator; headings do
// not skip levels; tables have captions and scoped header cells; no sideways scrolling at 360 px
// or at 200% zoom; the print layout (A4) keeps tables on the paper; the Content-Security-Policy
// allows no inline script and the page logs no error. Screenshots of an edition page and a
// compare page at 360 px and 1280 px, and the edition page as an A4 PDF, go to ARTEFACT_DIR.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { launchChromium, serveSite, sitePages } from './harness.mjs';

const [output, artefacts] = process.argv.slice(2);
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** A4 minus 15 mm margins each side, in CSS pixels (96 per inch). */
const A4_PRINTABLE = Math.floor(((210 - 30) / 25.4) * 96);
const TAB_STOPS = 40;
const SHOTS = ['ueda/seisaku-kikaku/2023/', 'ueda/seisaku-kikaku/compare/2022-2023/'];

// Every page the site has, the search page again with results, and a missing page (404).
const urls = [...sitePages(output), 'search/?q=SDGs', 'no-such-page/'];
const server = await serveSite(output);
const browser = await launchChromium();
mkdirSync(artefacts, { recursive: true });

/** Load `url` in a fresh page of `options` (viewport, media); wait for search results. */
async function open(url, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // The 404 page's own status is logged as an error too; anything else is a fault.
  page.on('console', (m) => m.type() === 'error' && m.location().url !== page.url() && errors.push(m.text()));
  const response = await page.goto(`${server.origin}/${url}`);
  if (url.startsWith('search/?q=')) {
    await page.waitForFunction(() => document.getElementById('search-status').textContent.includes('件'), null, { timeout: 15000 });
  }
  return { context, page, errors, status: response.status() };
}

/** How far the page scrolls sideways, in CSS pixels (0 when it fits). */
// At phone width: text boxes (captions, table cells, labels) narrower than two characters of
// their own text, and labels that end one row while their control starts the next (a label
// that takes its whole row, above its control, is laid out so on purpose).
const cramped = (page) => page.evaluate(() => {
  // Hidden from sight on purpose: not shown, or clipped to a pixel for screen readers only.
  const hidden = (el) => {
    for (let a = el; a; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.display === 'none' || (style.position === 'absolute' && a.clientWidth <= 1)) return true;
    }
    return false;
  };
  const narrow = [];
  for (const el of document.querySelectorAll('caption, th, td, label, dt, dd')) {
    if (hidden(el)) continue;
    // The text a reader sees (a mark's words for screen readers only do not count).
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let text = '';
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if (!hidden(n.parentElement)) text += n.data;
    text = text.trim();
    if ([...text].length < 2) continue;
    const style = getComputedStyle(el);
    const inner = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (el.clientWidth > 0 && inner < 2 * parseFloat(style.fontSize)) narrow.push(`${el.tagName.toLowerCase()}: ${text.slice(0, 20)} (${Math.round(inner)} px)`);
  }
  const split = [];
  for (const label of document.querySelectorAll('label[for]')) {
    const control = document.getElementById(label.htmlFor);
    if (!control || hidden(label)) continue;
    const a = label.getBoundingClientRect();
    const b = control.getBoundingClientRect();
    const ownRow = a.width >= 0.9 * label.parentElement.getBoundingClientRect().width;
    if (!ownRow && b.top >= a.bottom - 1) split.push(label.textContent.trim());
  }
  return { narrow, split };
});
const overflow = (page) => page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth));

async function axe(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations', 'incomplete'] });
    const brief = (list) => list.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
    return {
      version: window.axe.version,
      violations: brief(r.violations),
      incomplete: r.incomplete.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${(n.any[0] ?? n.all[0] ?? n.none[0])?.message ?? ''}`).slice(0, 3) })),
      applied: [...r.passes, ...r.violations, ...r.incomplete].map((v) => v.id),
    };
  }, TAGS);
}

/** Structure a screen-reader user relies on: heading levels, table captions and scopes, CSP. */
const structure = (page) => page.evaluate(() => {
  const headings = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map((h) => Number(h.tagName[1]));
  const headingProblems = [];
  if (headings.filter((l) => l === 1).length !== 1) headingProblems.push(`${headings.filter((l) => l === 1).length} h1`);
  headings.forEach((level, i) => {
    if (i > 0 && level > headings[i - 1] + 1) headingProblems.push(`h${headings[i - 1]} → h${level}`);
  });
  const tableProblems = [];
  for (const [i, table] of [...document.querySelectorAll('main table')].entries()) {
    if (!table.caption || table.caption.textContent.trim() === '') tableProblems.push(`table ${i + 1}: no caption`);
    const unscoped = table.querySelectorAll('th:not([scope])').length;
    if (unscoped) tableProblems.push(`table ${i + 1}: ${unscoped} th without scope`);
    if (!table.querySelector('th')) tableProblems.push(`table ${i + 1}: no header cells`);
  }
  const csp = document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content ?? null;
  const inlineScripts = [...document.scripts].filter((s) => !s.src && s.type !== 'application/ld+json').length;
  return { headings, headingProblems, tableProblems, tables: document.querySelectorAll('main table').length, csp, inlineScripts };
});

/** Tab from the top: the skip link first, then each stop must show where focus is. */
async function keyboard(page) {
  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => {
    const a = document.activeElement;
    const r = a.getBoundingClientRect();
    return { text: a.textContent.trim(), href: a.getAttribute('href'), visible: r.width > 0 && r.height > 0 && r.top >= 0 && r.top < innerHeight };
  });
  await page.keyboard.press('Enter');
  skip.focusAfterEnter = await page.evaluate(() => document.activeElement.id || document.activeElement.tagName.toLowerCase());
  await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
  const focusProblems = [];
  let stops = 0;
  for (; stops < TAB_STOPS; stops++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const a = document.activeElement;
      if (!a || a === document.body) return null;
      const s = getComputedStyle(a);
      const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
      const shadow = s.boxShadow !== 'none';
      return { what: `${a.tagName.toLowerCase()} ${(a.textContent || a.getAttribute('aria-label') || a.id).trim().slice(0, 30)}`, visible: outline || shadow };
    });
    if (stop === null) break;
    if (!stop.visible) focusProblems.push(stop.what);
  }
  return { skip, stops, focusProblems };
}

const report = { pages: [], a4: A4_PRINTABLE };
const applied = new Set();
try {
  for (const url of urls) {
    const { context, page, errors, status } = await open(url, { viewport: { width: 1280, height: 900 } });
    const result = { url, status, ...(await structure(page)) };
    const found = await axe(page);
    report.axeVersion = found.version;
    result.violations = found.violations;
    result.incomplete = found.incomplete;
    found.applied.forEach((id) => applied.add(id));
    result.rules = found.applied.length;
    Object.assign(result, await keyboard(page));
    if (SHOTS.includes(url)) {
      const name = url.split('/').filter(Boolean).join('-');
      await page.screenshot({ path: join(artefacts, `${name}-1280.png`), fullPage: true });
      await page.emulateMedia({ media: 'print' });
      await page.pdf({ path: join(artefacts, `${name}-a4.pdf`), format: 'A4', margin: { top: '15mm', bottom: '15mm', left: '15mm', right: '15mm' } });
    }
    result.errors = errors;
    await context.close();

    const phone = await open(url, { viewport: { width: 360, height: 800 }, isMobile: true, hasTouch: true });
    result.overflow360 = await overflow(phone.page);
    Object.assign(result, await cramped(phone.page));
    if (SHOTS.includes(url)) {
      const name = url.split('/').filter(Boolean).join('-');
      await phone.page.screenshot({ path: join(artefacts, `${name}-360.png`), fullPage: true });
    }
    await phone.context.close();

    // 200% zoom of a 1280 px window: half as many CSS pixels, each twice as large.
    const zoomed = await open(url, { viewport: { width: 640, height: 450 }, deviceScaleFactor: 2 });
    result.overflowZoom = await overflow(zoomed.page);
    await zoomed.context.close();

    const print = await open(url, { viewport: { width: A4_PRINTABLE, height: 1000 } });
    await print.page.emulateMedia({ media: 'print' });
    result.overflowPrint = await overflow(print.page);
    result.printHidden = await print.page.evaluate(() => ['.site-search', '.skip-link'].every((sel) => {
      const el = document.querySelector(sel);
      return !el || getComputedStyle(el).display === 'none';
    }));
    await print.context.close();
    report.pages.push(result);
  }
} finally {
  await browser.close();
  server.close();
}
report.rulesApplied = [...applied].sort();
console.log(JSON.stringify(report));
