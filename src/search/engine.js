// kohyo search engine for the browser: the same algorithm as src/search/engine.rs, step for
// step and with integer scores, so both return the same ranked results (a test runs both).
// No dependencies, no build step: an ES module loaded by ui.js and, in tests, by node.
// Each query word is also searched under its spelling variants (the table in meta.json) and,
// written in kana, under the words the index reads so (the y packs), ranked below exact matches.

export const FORMAT_VERSION = 7;
const TITLE = 100;
const OCCURRENCE = 10;
const MAX_OCCURRENCES = 5;
const TERM = 30;
const PHRASE = 200;
const SNIPPET_BEFORE = 30;
const SNIPPET_LENGTH = 100;
const TIER = 100000;
const MAX_SPELLINGS = 16;
const SUGGESTIONS = 5;
const SUGGEST_CHARS = 8;
const SUGGEST_MIN = 400;

// Rust's char::is_whitespace (Unicode White_Space), which JavaScript's \s does not match exactly.
const SPACE = /^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;
const DROPPED = new Set(['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff']);
const LONG_MARK = new Set(['\u2014', '\u2015', '\u2500', '\u2501', '\u30fc']);
const HYPHEN = /^[\u2010-\u2013\u2212\ufe63]$/u;
const WAVE = new Set(['\u301c', '\u223c']);

/** Normalise text for matching, exactly as `text::normalize` in Rust. */
export function normalize(text) {
  let out = '';
  for (const c of text.normalize('NFKC').toLowerCase()) {
    if (SPACE.test(c) || DROPPED.has(c)) continue;
    if (LONG_MARK.has(c)) out += 'ー';
    else if (HYPHEN.test(c)) out += '-';
    else if (WAVE.has(c)) out += '~';
    else out += c;
  }
  return out;
}

/** A query's normalised words: split at white space, empty and repeated words dropped. */
export function queryWords(query) {
  const words = [];
  let part = '';
  for (const c of query + ' ') {
    if (!SPACE.test(c)) {
      part += c;
      continue;
    }
    const w = normalize(part);
    if (w && !words.includes(w)) words.push(w);
    part = '';
  }
  return words;
}

const isKatakana = (c) => c >= '\u30a1' && c <= '\u30fa';
const isKanji = (c) => /^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3134f}]$/u.test(c);

/** The variant table ready for matching, as `Lookup::new` in Rust. */
export function lookup(table) {
  const groups = table.map((g) => g.map((s) => Array.from(s)));
  const byFirst = new Map();
  groups.forEach((group, g) => group.forEach((spelling, k) => {
    if (!byFirst.has(spelling[0])) byFirst.set(spelling[0], []);
    byFirst.get(spelling[0]).push([g, k]);
  }));
  for (const list of byFirst.values()) {
    list.sort((a, b) => groups[b[0]][b[1]].length - groups[a[0]][a[1]].length
      || a[0] - b[0] || a[1] - b[1]);
  }
  return { groups, byFirst };
}

/** The spellings a normalised word is searched under, itself first, as `variants::spellings`. */
export function spellings(word, table) {
  const chars = Array.from(word);
  const slots = [];
  let i = 0;
  while (i < chars.length) {
    const c = chars[i];
    const found = (table.byFirst.get(c) ?? []).find(([g, k]) => {
      const s = table.groups[g][k];
      return s.every((x, j) => chars[i + j] === x);
    });
    if (found) {
      const len = table.groups[found[0]][found[1]].length;
      const typed = chars.slice(i, i + len).join('');
      const others = table.groups[found[0]].map((s) => s.join('')).filter((s) => s !== typed);
      slots.push([i, len, [typed, ...others]]);
      i += len;
      continue;
    }
    const next = chars[i + 1];
    if (c === '々' && i > 0) slots.push([i, 1, [c, chars[i - 1]]]);
    else if (i > 0 && chars[i - 1] === c && isKanji(c)) slots.push([i, 1, [c, '々']]);
    else if (c === 'ー' && i > 0 && isKatakana(chars[i - 1])
      && (next === undefined || (!isKatakana(next) && next !== 'ー'))) {
      slots.push([i, 1, [c, '']]);
    }
    i += 1;
  }
  const out = [];
  const choice = slots.map(() => 0);
  for (;;) {
    let spelling = '';
    let at = 0;
    slots.forEach(([start, len, alternatives], k) => {
      spelling += chars.slice(at, start).join('') + alternatives[choice[k]];
      at = start + len;
    });
    spelling += chars.slice(at).join('');
    if (spelling !== '' && !out.includes(spelling)) out.push(spelling);
    if (out.length >= MAX_SPELLINGS) return out;
    let slot = slots.length;
    for (;;) {
      if (slot === 0) return out;
      slot -= 1;
      choice[slot] += 1;
      if (choice[slot] < slots[slot][2].length) break;
      choice[slot] = 0;
    }
  }
}

/** Whether a normalised word is kana alone, two characters or more: looked up by reading. */
export function isReading(word) {
  const chars = Array.from(word);
  return chars.length >= 2
    && chars.every((c) => (c >= '\u3041' && c <= '\u3096') || isKatakana(c) || c === 'ー');
}

/** Katakana folded to hiragana, the one kana form of readings. */
export function toHiragana(text) {
  return Array.from(text, (c) => (c >= '\u30a1' && c <= '\u30f6'
    ? String.fromCodePoint(c.codePointAt(0) - 0x60) : c)).join('');
}

// Strings in code-point order, as Rust compares them.
function byCodePoint(a, b) {
  const x = Array.from(a, (c) => c.codePointAt(0));
  const y = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] - y[i];
  }
  return x.length - y.length;
}

// The characters and character bigrams of a text, which suggestions are compared by.
function units(text) {
  const chars = Array.from(text);
  const out = new Set(chars);
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
  return out;
}

// Dice's coefficient of two sets, in thousandths.
function dice(a, b) {
  const total = a.size + b.size;
  if (total === 0) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared += 1;
  return Math.floor((2000 * shared) / total);
}

/** FNV-1a (32-bit) of the UTF-8 bytes: the shard of a key. */
export function fnv1a(key) {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(key)) {
    h = Math.imul(h ^ b, 0x01000193) >>> 0;
  }
  return h;
}

// An entry's counts at list[at], as `index::push_counts` writes them: [in the title, in all,
// where the entry goes on].
function counts(list, at) {
  const v = list[at] ?? 0;
  const n = Math.floor(v / 4);
  const t = v % 4;
  return t === 3 ? [list[at + 1] ?? 0, n, at + 2] : [t, n, at + 1];
}

function decodePositions(list) {
  const out = new Map();
  let i = 0;
  let rec = 0;
  while (i + 2 <= list.length) {
    rec += list[i];
    const [t, n, next] = counts(list, i + 1);
    i = next;
    const positions = [];
    let p = 0;
    for (const d of list.slice(i, i + n)) {
      p += d;
      positions.push(p);
    }
    i += n;
    out.set(rec, [t, positions]);
  }
  return out;
}

// Offsets of the n-grams that cover a word of `len` characters: 0, n, 2n, … and the last.
function cover(len, n) {
  const offsets = [];
  for (let at = 0; at <= len - n; at += n) offsets.push(at);
  if (offsets[offsets.length - 1] !== len - n) offsets.push(len - n);
  return offsets;
}

// The first position in the ascending `list` whose value is at least `value`.
function lowerBound(list, value) {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function hasSorted(list, value) {
  const at = lowerBound(list, value);
  return at < list.length && list[at] === value;
}

function ascending(map) {
  return [...map.keys()].sort((a, b) => a - b);
}

// The kinds of index file that are postings shards (binary); the others are JSON.
const POSTINGS = new Set(['b', 'g', 'u', 't']);

// A bundle member's [start, end) from its 8-byte entry at `at` (see bundle.rs); null if
// damaged or pointing into the offsets.
function memberRange(entry, at) {
  if (entry.length < 8) return null;
  const view = new DataView(entry.buffer, entry.byteOffset, 8);
  const range = [view.getUint32(0, true), view.getUint32(4, true)];
  return at + 8 <= range[0] && range[0] <= range[1] ? range : null;
}

// An index file's bytes, inflated when they are gzip-compressed (the packs; a server that sent
// them with `Content-Encoding: gzip` has inflated them already).
async function inflate(bytes) {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (data[0] !== 0x1f || data[1] !== 0x8b) return data;
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The JSON of an index file's bytes, inflated first when they are gzip-compressed. */
export async function parseFile(bytes) {
  return JSON.parse(new TextDecoder().decode(await inflate(bytes)));
}

// A varint of `data` at `pos.at`, as `varint` in Rust: seven bits a byte, low bits first; an
// error at the end or past 32 bits.
function varint(data, pos) {
  let n = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos.at >= data.length) throw new Error('damaged postings');
    const b = data[pos.at];
    pos.at += 1;
    n += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      if (n > 0xffffffff) throw new Error('damaged postings');
      return n;
    }
  }
  throw new Error('damaged postings');
}

/** A postings shard's bytes (see `index::postings_bytes` in Rust) as a Map key → numbers,
 * inflated first when they are gzip-compressed; an error when they are damaged. */
export async function parsePostings(bytes) {
  const data = await inflate(bytes);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const out = new Map();
  const pos = { at: 0 };
  while (pos.at < data.length) {
    const len = varint(data, pos);
    if (len > data.length - pos.at) throw new Error('damaged postings');
    const key = utf8.decode(data.subarray(pos.at, pos.at + len));
    pos.at += len;
    const n = varint(data, pos);
    if (n > data.length - pos.at) throw new Error('damaged postings');
    const list = new Array(n);
    for (let i = 0; i < n; i++) list[i] = varint(data, pos);
    out.set(key, list);
  }
  return out;
}

/** A built index, read through `load(path, start, end)`, which resolves to the bytes of a file
 * (an ArrayBuffer or Uint8Array): bytes `start` to `end` of it when they are given (the files
 * of a bundle), else the whole file (`meta.json`). */
export class Index {
  constructor(meta, load) {
    this.meta = meta;
    this.load = load;
    this.files = new Map();
    this.groups = new Map();
    this.lookup = lookup(meta.variants ?? []);
  }

  /** Open the index whose files `load` reads (paths such as `meta.json`, `b/3.bundle`). */
  static async open(load) {
    const meta = await parseFile(await load('meta.json'));
    if (meta.version !== FORMAT_VERSION) {
      throw new Error(`search index format ${meta.version} is not ${FORMAT_VERSION}`);
    }
    return new Index(meta, load);
  }

  /** Index file `n` of `kind`, read from its bundle and parsed once; null when it is missing
   * or damaged. */
  file(kind, n) {
    const name = `${kind}/${n}`;
    if (!this.files.has(name)) {
      const parse = POSTINGS.has(kind) ? parsePostings : parseFile;
      this.files.set(name, this.member(kind, n).then(parse).catch(() => null));
    }
    return this.files.get(name);
  }

  // File n of kind: its entry in its bundle's offsets, then its bytes.
  async member(kind, n) {
    const path = `${kind}/${Math.floor(n / this.meta.bundle)}.bundle`;
    const at = (n % this.meta.bundle) * 4;
    const range = memberRange(new Uint8Array(await this.load(path, at, at + 8)), at);
    if (range === null) throw new Error('damaged bundle');
    return this.load(path, ...range);
  }

  async postings(kind, count, key) {
    const shard = await this.file(kind, fnv1a(key) % count);
    return (shard && shard.get(key)) || [];
  }

  async word(word) {
    const out = new Map();
    if (word.length <= 2) {
      const list = word.length === 1
        ? await this.postings('u', this.meta.shards.u, word[0])
        : await this.postings('b', this.meta.shards.b, word.join(''));
      let rec = 0;
      let i = 0;
      while (i + 2 <= list.length) {
        rec += list[i];
        const [t, n, next] = counts(list, i + 1);
        i = next;
        out.set(rec, { title: t, body: Math.max(n - t, 0), starts: [] });
      }
      return out;
    }
    const offsets = cover(word.length, 3);
    const lists = (await Promise.all(
      offsets.map((at) => this.postings('g', this.meta.shards.g, word.slice(at, at + 3).join(''))),
    )).map(decodePositions);
    for (const rec of ascending(lists[0])) {
      const [nTitle, first] = lists[0].get(rec);
      const m = { title: 0, body: 0, starts: [] };
      first.forEach((p, k) => {
        const whole = lists.every((l, i) => i === 0
          || (l.has(rec) && hasSorted(l.get(rec)[1], p + offsets[i])));
        if (whole) {
          if (k < nTitle) m.title += 1;
          else m.body += 1;
          m.starts.push(p);
        }
      });
      if (m.starts.length > 0) out.set(rec, m);
    }
    return out;
  }

  /** The spellings of a normalised word with how they match: 0 itself, 1 a variant, 2 a
   * word read as the kana typed. */
  async spellings(word) {
    const out = spellings(word, this.lookup).map((s, i) => [s, i > 0 ? 1 : 0]);
    if (isReading(word)) {
      const key = toHiragana(word);
      const shard = await this.file('y', fnv1a(key) % Math.max(this.meta.shards.y, 1));
      for (const w of (shard && shard[key]) || []) {
        if (typeof w === 'string' && !out.some(([s]) => s === w)) out.push([w, 2]);
      }
    }
    return out;
  }

  /** A word's matches under all its spellings: record → [tier, match], first spelling held. */
  async wordMatches(word) {
    const out = new Map();
    const spelled = await this.spellings(word);
    const found = await Promise.all(spelled.map(([s]) => this.word(Array.from(s))));
    spelled.forEach(([, tier], i) => {
      for (const [rec, m] of found[i]) if (!out.has(rec)) out.set(rec, [tier, m]);
    });
    return out;
  }

  async terms(word) {
    const out = new Set();
    let rec = 0;
    for (const d of await this.postings('t', this.meta.shards.t, word)) {
      rec += d;
      out.add(rec);
    }
    return out;
  }

  /** The pages of a group file, decoded once: where each page's records start and end, and its
   * facets. */
  group(group) {
    if (!this.groups.has(group)) this.groups.set(group, this.readGroup(group));
    return this.groups.get(group);
  }

  async readGroup(group) {
    const file = await this.file('p', group);
    const pages = [];
    pages.firsts = [];
    if (!file) return pages;
    let first = this.meta.page_groups[group] ?? 0;
    file.records.forEach((n, i) => {
      pages.push({
        number: group * this.meta.page_group + i,
        first,
        end: first + n,
        municipality: file.municipality[i],
        department: file.department[i],
        year: file.year[i],
      });
      pages.firsts.push(first);
      first += n;
    });
    return pages;
  }

  /** The page holding `record`, read from its group's file. */
  async pageOf(record) {
    const group = Math.max(lowerBound(this.meta.page_groups, record + 1) - 1, 0);
    const pages = await this.group(group);
    const at = Math.max(lowerBound(pages.firsts, record + 1) - 1, 0);
    return pages[at] ?? {
      number: group * this.meta.page_group + at,
      first: 0,
      end: 0,
      municipality: 0,
      department: -1,
      year: null,
    };
  }

  pagePasses(page, filters) {
    const m = this.meta;
    return (filters.municipality == null || m.municipalities[page.municipality] === filters.municipality)
      && (filters.department == null
        || (page.department >= 0 && m.departments[page.department] === filters.department))
      && (filters.year == null || page.year === filters.year);
  }

  /**
   * Ranked `[record, score]` pairs, as `Index::search` in Rust. Pages are looked up (their
   * group files read) only when there are filters or several words.
   */
  async search(query, filters = {}) {
    const words = queryWords(query);
    if (words.length === 0) return [];
    const chars = words.map((w) => Array.from(w));
    const matches = await Promise.all(words.map((w) => this.wordMatches(w)));
    const terms = await Promise.all(words.map((w) => this.terms(w)));
    const filtered = filters.municipality != null || filters.department != null
      || filters.year != null;
    const hits = [];
    const pagesWithHit = new Set();
    // Records where the words stand together in the order typed, read (once, when a record
    // first needs it) as the matches of the words joined.
    let joined = null;
    for (const rec of ascending(matches[0])) {
      if (!matches.every((m) => m.has(rec))) continue;
      if (filtered || words.length > 1) {
        const page = await this.pageOf(rec);
        if (!this.pagePasses(page, filters)) continue;
        pagesWithHit.add(page.number);
      }
      let score = 0;
      let tier = 0;
      matches.forEach((m, i) => {
        const [t, w] = m.get(rec);
        tier = Math.max(tier, t);
        if (w.title > 0) score += TITLE;
        score += Math.min(w.title + w.body, MAX_OCCURRENCES) * OCCURRENCE;
        if (terms[i].has(rec)) score += TERM;
      });
      if (tier === 0 && isPhrase(chars)) {
        if (joined === null) joined = await this.word(chars.flat());
        if (joined.has(rec)) score += PHRASE;
      }
      hits.push([rec, score - tier * TIER]);
    }
    if (words.length > 1) {
      // A page whose records hold every word, though none holds them all, is a result too:
      // its candidates are the pages of the word found in the fewest records.
      const sorted = matches.map(ascending);
      const rarest = sorted.reduce((a, b) => (b.length < a.length ? b : a));
      let last = null;
      for (const rec of rarest) {
        const page = await this.pageOf(rec);
        if (page.number === last) continue;
        last = page.number;
        // Each word's best match in the page; the page ranks by the worst of them.
        const best = sorted.map((s, i) => {
          let b = null;
          for (let k = lowerBound(s, page.first); k < lowerBound(s, page.end); k++) {
            const t = matches[i].get(s[k])[0];
            if (b === null || t < b) b = t;
          }
          return b;
        });
        if (!pagesWithHit.has(page.number) && best.every((b) => b !== null)
          && this.pagePasses(page, filters)) {
          hits.push([page.first, -Math.max(...best) * TIER]);
        }
      }
    }
    hits.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    return hits;
  }

  /**
   * URL with anchor, title, breadcrumb and snippet of a hit, as `Index::describe` in Rust: the
   * snippet comes from the body, or from the title when the body holds no match.
   */
  async describe(query, record, score) {
    const chunk = await this.file('r', Math.floor(record / this.meta.chunk));
    const row = (chunk && chunk.rows[record % this.meta.chunk]) || [];
    const text = (i) => (typeof row[i] === 'string' ? row[i] : '');
    const page = (chunk && chunk.pages.find((p) => p[0] === row[0])) || [];
    const field = (i) => (typeof page[i] === 'string' ? page[i] : '');
    const anchor = text(1);
    const isPage = anchor === '';
    const title = isPage ? field(2) : text(2);
    const breadcrumb = [this.meta.municipalities[page[4]] ?? ''];
    if (this.meta.departments[page[5]] !== undefined) {
      breadcrumb.push(this.meta.departments[page[5]]);
    }
    breadcrumb.push(field(3));
    if (typeof row[4] === 'string') breadcrumb.push(row[4]);
    const words = [];
    for (const word of queryWords(query)) {
      for (const [s] of await this.spellings(word)) if (!words.includes(s)) words.push(s);
    }
    let [snip, highlights] = snippet(text(3), words);
    // A long body goes on in pieces, read in turn until one holds a match.
    const pieces = Array.isArray(row[5]) && row[5].every(Number.isSafeInteger)
      && row[5].length >= 2 && row[5][0] >= 0 && row[5][1] >= 0 ? row[5] : [0, 0];
    for (let n = pieces[0]; n < pieces[0] + pieces[1] && highlights.length === 0; n++) {
      const piece = await this.file('c', n);
      if (typeof piece !== 'string') break;
      [snip, highlights] = snippet(piece, words);
    }
    if (highlights.length === 0) [snip, highlights] = snippet(title, words);
    const number = (i) => (Number.isInteger(page[i]) ? page[i] : 0);
    return {
      url: isPage ? field(1) : `${field(1)}#${anchor}`,
      title,
      breadcrumb,
      snippet: snip,
      highlights,
      score,
      goal: typeof row[4] === 'string' ? row[4] : null,
      edition: { url: field(1), title: field(2), records: [number(6), number(6) + number(7)] },
    };
  }

  /** Indexed words near a query that finds nothing, best first, as `Index::suggest`. */
  async suggest(query) {
    const typed = queryWords(query).join('');
    if (typed === '') return [];
    const kana = toHiragana(typed);
    const keys = [];
    for (const c of Array.from(typed + kana)) {
      if (!keys.includes(c) && keys.length < SUGGEST_CHARS) keys.push(c);
    }
    const candidates = new Map();
    const shards = await Promise.all(keys.map(
      (c) => this.file('s', fnv1a(c) % Math.max(this.meta.shards.s, 1)),
    ));
    keys.forEach((c, i) => {
      for (const entry of (shards[i] && shards[i][c]) || []) {
        const [w, r, n] = entry;
        if (typeof w === 'string' && typeof r === 'string' && Number.isInteger(n)
          && !candidates.has(w)) {
          candidates.set(w, [r, n]);
        }
      }
    });
    const typedUnits = units(typed);
    const kanaUnits = units(kana);
    const scored = [];
    for (const [w, [r, n]] of candidates) {
      if (w === typed) continue;
      const byReading = r === '' || !isReading(typed) ? 0 : dice(kanaUnits, units(r));
      const similarity = Math.max(dice(typedUnits, units(w)), byReading);
      if (similarity >= SUGGEST_MIN) scored.push([similarity, n, w]);
    }
    scored.sort((a, b) => b[0] - a[0] || b[1] - a[1] || byCodePoint(a[2], b[2]));
    return scored.slice(0, SUGGESTIONS).map(([, , w]) => w);
  }

  /** Search and describe the first `limit` results. */
  async query(query, filters = {}, limit = 20) {
    const hits = (await this.search(query, filters)).slice(0, limit);
    return Promise.all(hits.map(([rec, score]) => this.describe(query, rec, score)));
  }
}

// Whether a query's words earn PHRASE points where they stand together: two or more words, each
// of two characters or more.
function isPhrase(words) {
  return words.length >= 2 && words.every((w) => w.length >= 2);
}

/** Up to 100 characters of `text` around the first match, with the ranges of every match. */
export function snippet(text, words) {
  const chars = Array.from(text);
  const norm = [];
  const origin = [];
  chars.forEach((c, i) => {
    for (const n of normalize(c)) {
      norm.push(n);
      origin.push(i);
    }
  });
  const found = [];
  for (const word of words) {
    const w = Array.from(word);
    if (w.length === 0 || w.length > norm.length) continue;
    for (let s = 0; s + w.length <= norm.length; s++) {
      if (w.every((c, k) => norm[s + k] === c)) found.push([origin[s], origin[s + w.length - 1] + 1]);
    }
  }
  found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const start = found.length > 0 ? Math.max(found[0][0] - SNIPPET_BEFORE, 0) : 0;
  const end = Math.min(start + SNIPPET_LENGTH, chars.length);
  const highlights = [];
  for (const [a, b] of found) {
    const last = highlights[highlights.length - 1];
    if (a >= start && b <= end && (last === undefined || a >= last[1] + start)) {
      highlights.push([a - start, b - start]);
    }
  }
  return [chars.slice(start, end).join(''), highlights];
}
