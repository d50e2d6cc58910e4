// Edits a content file under a running `kohyo serve` with the page open in headless Chromium,
// as staff would, and prints what the page showed as JSON for tests/it/serve.rs.
//   node tests/js/serve-overlay.mjs PAGE_URL CONTENT_FILE
import { readFileSync, writeFileSync } from 'node:fs';
import { launchChromium } from './harness.mjs';

const [url, file] = process.argv.slice(2);
const original = readFileSync(file, 'utf8');
const browser = await launchChromium();
const report = {};
try {
  const page = await browser.newPage();
  await page.goto(url);
  // Another page of the site, open beside it, that the save does not change.
  const other = await browser.newPage();
  await other.goto(new URL('/kawanishi/sankaku-kyodo/', url).href);
  await other.evaluate(() => { window.kohyoNotReloaded = true; });
  await page.waitForTimeout(300);
  // A save reloads the page with the new text.
  writeFileSync(file, original.replace('スマートシティ推進計画に掲げる', 'スマートシティ推進計画（案）に掲げる'));
  await page.waitForFunction(() => document.body.innerText.includes('スマートシティ推進計画（案）に掲げる'), null, { timeout: 5000 });
  report.reloaded_text = true;
  // Once the rest of the site is made again too, the other page has not been reloaded.
  await page.waitForTimeout(1500);
  report.other_page_kept = await other.evaluate(() => window.kohyoNotReloaded === true);
  await page.waitForTimeout(300);
  // A broken file: the overlay over the last good page.
  writeFileSync(file, original.replace('stage = "plan"', 'stage = "planned"'));
  const overlay = await page.waitForSelector('#kohyo-error-overlay', { timeout: 5000 });
  report.overlay = await overlay.innerText();
  // Fixed: the overlay goes.
  writeFileSync(file, original);
  await page.waitForFunction(() => !document.getElementById('kohyo-error-overlay'), null, { timeout: 5000 });
  report.overlay_after_fix = false;
} finally {
  writeFileSync(file, original);
  await browser.close();
}
console.log(JSON.stringify(report));
