// The JavaScript half of the shared normalisation cases (the Rust half is in src/text.rs).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { normalize, queryWords } from '../../src/search/engine.js';

const cases = JSON.parse(readFileSync(new URL('../normalize_cases.json', import.meta.url), 'utf8'));

test('shared normalisation cases', () => {
  for (const [input, expected] of cases) {
    assert.equal(normalize(input), expected, JSON.stringify(input));
  }
});

test('query words are split at any white space, normalised and deduplicated', () => {
  assert.deepEqual(queryWords(' 自治会　負担 ＳＤＧｓ sdgs '), ['自治会', '負担', 'sdgs']);
  assert.deepEqual(queryWords('   '), []);
});

test('shared spelling-variant cases', async () => {
  const { lookup, normalize: norm, spellings } = await import('../../src/search/engine.js');
  // The built-in table as the index carries it (each spelling normalised), and the site
  // group the Rust half of the cases adds; the Rust test reads the same files.
  const table = readFileSync(new URL('../../src/search/variants.csv', import.meta.url), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(',').map((s) => norm(s.trim())));
  table.push(['一関', '一ノ関']);
  const variantCases = JSON.parse(
    readFileSync(new URL('../variant_cases.json', import.meta.url), 'utf8'),
  );
  for (const [word, expected] of variantCases) {
    assert.deepEqual(spellings(norm(word), lookup(table)), expected, word);
  }
});
