// Runs queries through the browser engine over a built index read from disk and prints, per
// query, every ranked [record, score], the first ten results described and the words suggested
// when nothing matches, as JSON lines.
//   node tests/js/conformance.mjs PUBLIC_DIR < queries (JSON lines: {"query", "filters"})
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const output = process.argv[2];
const { Index } = await import(join(output, 'search', 'engine.js'));
const load = (path, start, end) => {
  const bytes = readFileSync(join(output, 'search', path));
  return start === undefined ? bytes : bytes.subarray(start, end);
};
const lines = readFileSync(0, 'utf8').split('\n').filter((l) => l.trim() !== '');
for (const line of lines) {
  const { query, filters } = JSON.parse(line);
  const index = await Index.open(load);
  const ranked = await index.search(query, filters);
  const shown = await index.query(query, filters, 10);
  const near = await index.suggest(query);
  console.log(JSON.stringify({ query, filters, ranked, shown, near }));
}
