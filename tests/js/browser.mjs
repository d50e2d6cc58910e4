// Drives the search page of a built site in headless Chromium, as a reader would, and prints
// what the reader saw as JSON for the Rust test to check (tests/it/search.rs).
//   node tests/js/browser.mjs PUBLIC_DIR FIRST_QUERY SECOND_QUERY NO_HIT_QUERY READING NEAR GROUPED
// READING is typed in kana into the header box; NEAR finds nothing but has near words;
// GROUPED is held by more records of one edition than the results show of it at first.
// The site is served over real HTTP from this process, by a host that ignores Range requests
// and by one that answers them; Chromium is Debian's /usr/bin/chromium.
import { launchChromium, serveSite } from './harness.mjs';

const [output, firstQuery, secondQuery, noHitQuery, reading, near, grouped] = process.argv.slice(2);
const server = await serveSite(output);
const ranged = await serveSite(output, { ranges: true });
const origin = server.origin;
const browser = await launchChromium();

async function results(page, query) {
  await page.waitForFunction(
    (q) => document.getElementById('search-status').textContent.includes(`「${q}」`),
    query,
    { timeout: 15000 },
  );
  return page.evaluate(() => ({
    url: location.pathname + location.search,
    status: document.getElementById('search-status').textContent,
    live: document.getElementById('search-status').getAttribute('aria-live'),
    // Each edition's records, in the order shown.
    items: [...document.querySelectorAll('#search-results > li .result-record')].map((li) => ({
      title: li.querySelector('h3 a').textContent,
      href: li.querySelector('h3 a').getAttribute('href'),
      crumbs: li.closest('.result-edition').querySelector('.result-crumbs').textContent,
      snippet: li.querySelector('.snippet').textContent,
      marks: [...li.querySelectorAll('.snippet mark')].map((m) => m.textContent),
    })),
    editions: [...document.querySelectorAll('#search-results > li')].map((li) => ({
      heading: li.querySelector('h2')?.textContent ?? null,
      href: li.querySelector('h2 a')?.getAttribute('href') ?? null,
      records: li.querySelectorAll('.result-record').length,
      more: li.querySelector('.result-more-in')?.textContent ?? null,
    })),
  }));
}

const report = {};
try {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // From the home page's search box to the search page with ?q=.
  await page.goto(`${origin}/`);
  await page.locator('#site-search-q').click();
  await page.keyboard.type(firstQuery);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/search\/\?q=/);
  report.first = await results(page, firstQuery);
  // A second query typed on the search page itself.
  await page.locator('#search-q').fill('');
  await page.locator('#search-q').click();
  await page.keyboard.type(secondQuery);
  await page.keyboard.press('Enter');
  report.second = await results(page, secondQuery);
  // Nothing found.
  await page.locator('#search-q').fill(noHitQuery);
  await page.keyboard.press('Enter');
  report.none = await results(page, noHitQuery);
  // Nothing found, but words near it are offered as links, in a labelled list.
  await page.locator('#search-q').fill(near);
  await page.keyboard.press('Enter');
  report.near = await results(page, near);
  report.near.suggestions = await page.evaluate(() => {
    const box = document.getElementById('search-suggest');
    const label = document.getElementById(box.getAttribute('aria-labelledby'));
    return {
      hidden: box.hidden,
      label: label ? label.textContent : null,
      links: [...box.querySelectorAll('ul > li > a')].map((a) => ({
        text: a.textContent,
        href: a.getAttribute('href'),
      })),
    };
  });
  // The first suggestion is a search of its own.
  await page.locator('#search-suggest a').first().click();
  const suggested = report.near.suggestions.links[0]?.text ?? '';
  report.nearFollowed = await results(page, suggested);
  // A reading typed in kana into the header box of an edition page.
  await page.goto(`${origin}/ueda/shimin-machizukuri/2017/`);
  await page.locator('#site-search-q').click();
  await page.keyboard.type(reading);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/search\/\?q=/);
  report.reading = await results(page, reading);
  // Follow the first result of the second query to its item.
  await page.locator('#search-q').fill(secondQuery);
  await page.keyboard.press('Enter');
  await results(page, secondQuery);
  await page.locator('#search-results .result-record a').first().click();
  await page.waitForLoadState('load');
  report.followed = await page.evaluate(() => {
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    const rect = target ? target.getBoundingClientRect() : null;
    return {
      url: location.pathname + location.hash,
      target: target ? target.tagName.toLowerCase() : null,
      heading: target ? target.querySelector('h1,h2,h3,h4,h5,h6')?.textContent ?? '' : '',
      // Within a pixel of the top counts: the browser scrolls by fractions of a pixel.
      inView: rect !== null && rect.top > -1 && rect.top < window.innerHeight,
    };
  });
  // A word many records of one plan hold: the plan once, its best records, and a button for
  // the rest of its records, which shows them in place.
  await page.goto(`${origin}/search/?q=${encodeURIComponent(grouped)}`);
  report.grouped = await results(page, grouped);
  const moreIn = page.locator('#search-results > li').first().locator('.result-more-in');
  if (await moreIn.count() > 0) {
    await moreIn.click();
    await page.waitForFunction(
      (n) => document.querySelector('#search-results > li').querySelectorAll('.result-record').length > n,
      report.grouped.editions[0].records,
    );
    report.grouped.expanded = await page.evaluate(() => {
      const first = document.querySelector('#search-results > li');
      return {
        records: first.querySelectorAll('.result-record').length,
        more: first.querySelector('.result-more-in')?.textContent ?? null,
        focused: document.activeElement?.getAttribute('href') ?? null,
        hrefs: [...first.querySelectorAll('.result-record h3 a')].map((a) => a.getAttribute('href')),
      };
    });
  }
  // The host above ignores Range, so every bundle came whole; from one that answers it, the
  // same query reads ranges only, and shows the same results.
  report.wholeBundles = { ...server.bundles };
  const page2 = await browser.newPage({ viewport: { width: 390, height: 844 } });
  page2.on('pageerror', (e) => errors.push(String(e)));
  await page2.goto(`${ranged.origin}/search/?q=${encodeURIComponent(firstQuery)}`);
  report.ranged = await results(page2, firstQuery);
  report.ranged.bundles = { ...ranged.bundles };
  report.errors = errors;
  // JavaScript off: the page says so.
  const noJs = await browser.newContext({ javaScriptEnabled: false });
  const plain = await noJs.newPage();
  await plain.goto(`${origin}/search/?q=${encodeURIComponent(firstQuery)}`);
  report.noscript = await plain.locator('main').innerText();
} finally {
  await browser.close();
  server.close();
  ranged.close();
}
console.log(JSON.stringify(report));
