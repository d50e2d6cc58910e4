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
