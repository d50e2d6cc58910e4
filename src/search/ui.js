// The search page: reads ?q= and the filters from the URL, runs the engine, shows the results.
// Every text is inserted with textContent, so nothing from the index is parsed as HTML.

import { Index } from './engine.js';

// Editions shown at once, and of each edition its best records before 「さらにこの版で N 件」.
const SHOWN = 10;
const PER_EDITION = 3;
const MORE_IN_EDITION = 20;
const form = document.querySelector('.search-page-form');
const input = document.getElementById('search-q');
const status = document.getElementById('search-status');
const list = document.getElementById('search-results');
const more = document.getElementById('search-more');
const suggestBox = document.getElementById('search-suggest');
const suggestList = document.getElementById('search-suggestions');
const selects = {
  municipality: document.getElementById('search-municipality'),
  department: document.getElementById('search-department'),
  year: document.getElementById('search-year'),
};
const base = new URL(form.dataset.index, document.baseURI);
const get = async (path, headers) => {
  const response = await fetch(new URL(path, base), { headers });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response;
};
const bytesOf = async (response) => new Uint8Array(await response.arrayBuffer());
// Bundles that came whole (from a host that ignores Range), cut here.
const whole = new Map();
// Bytes start to end of a file (all of it without them), asked for as a range.
const load = async (path, start, end) => {
  if (start === undefined) return bytesOf(await get(path));
  if (!whole.has(path)) {
    const response = await get(path, { Range: `bytes=${start}-${end - 1}` });
    const bytes = await bytesOf(response);
    if (response.status === 206 && bytes.length === end - start) return bytes;
    whole.set(path, response.status === 200 ? bytes : get(path).then(bytesOf));
  }
  return (await whole.get(path)).subarray(start, end);
};

function fill(select, options) {
  for (const [value, label] of options) {
    const option = document.createElement('option');
    option.value = String(value);
    option.textContent = label;
    select.append(option);
  }
}

function filtersFromForm() {
  const year = selects.year.value;
  return {
    municipality: selects.municipality.value || null,
    department: selects.department.value || null,
    year: year ? Number(year) : null,
  };
}

function snippetNode(text, highlights) {
  const p = document.createElement('p');
  p.className = 'snippet';
  const chars = Array.from(text);
  let at = 0;
  for (const [a, b] of highlights) {
    p.append(chars.slice(at, a).join(''));
    const mark = document.createElement('mark');
    mark.textContent = chars.slice(a, b).join('');
    p.append(mark);
    at = b;
  }
  p.append(chars.slice(at).join(''));
  return p;
}

// A link per word near a query that found nothing, each a search for that word.
function showSuggestions(words) {
  suggestList.replaceChildren(...words.map((w) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `?q=${encodeURIComponent(w)}`;
    a.textContent = w;
    li.append(a);
    return li;
  }));
  suggestBox.hidden = words.length === 0;
}

// One record of an edition: its title linked to its place on the page, the goal it belongs
// to, and the text around the match.
function recordNode(r) {
  const li = document.createElement('li');
  li.className = 'result-record';
  const h = document.createElement('h3');
  const a = document.createElement('a');
  a.href = r.url;
  a.textContent = r.title;
  h.append(a);
  li.append(h);
  if (r.goal) {
    const goal = document.createElement('p');
    goal.className = 'result-goal';
    goal.textContent = r.goal;
    li.append(goal);
  }
  li.append(snippetNode(r.snippet, r.highlights));
  return li;
}

// An edition's results: the edition as a heading, its best records, and a button for the rest
// of its records (hits in rank order, not yet described).
function editionNode(query, described, rest) {
  const [best] = described;
  const li = document.createElement('li');
  li.className = 'result-edition';
  const h = document.createElement('h2');
  const a = document.createElement('a');
  a.href = best.edition.url;
  a.textContent = best.edition.title;
  h.append(a);
  const crumbs = document.createElement('p');
  crumbs.className = 'result-crumbs';
  crumbs.textContent = (best.goal ? best.breadcrumb.slice(0, -1) : best.breadcrumb).join(' › ');
  const records = document.createElement('ol');
  records.className = 'result-records';
  records.append(...described.map(recordNode));
  li.append(h, crumbs, records);
  if (rest.length > 0) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'result-more-in';
    const label = () => `さらにこの版で${rest.length}件`;
    button.textContent = label();
    const mine = run;
    button.addEventListener('click', async () => {
      const next = rest.splice(0, MORE_IN_EDITION);
      const shown = await Promise.all(next.map(([rec, score]) => index.describe(query, rec, score)));
      if (mine !== run) return;
      const nodes = shown.map(recordNode);
      records.append(...nodes);
      if (rest.length === 0) button.remove();
      else button.textContent = label();
      nodes[0]?.querySelector('a').focus();
    });
    li.append(button);
  }
  return li;
}

let index = null;
let run = 0;
let current = { query: '', hits: [], taken: new Set(), next: 0 };

// Append the next SHOWN editions, each with its best records; returns the first new item.
async function showMore(mine) {
  const { query, hits, taken } = current;
  const batch = [];
  for (let i = current.next; i < hits.length && batch.length < SHOWN; i++) {
    if (!taken.has(hits[i][0])) batch.push(hits[i]);
  }
  const described = await Promise.all(
    batch.map(([rec, score]) => index.describe(query, rec, score)),
  );
  if (mine !== run) return null;
  // Each edition's hits in rank order: its records are the numbers `first..end`.
  const editions = [];
  batch.forEach(([rec], k) => {
    if (taken.has(rec)) return;
    const [first, end] = described[k].edition.records;
    const members = hits.filter(([r]) => r === rec || (r >= first && r < end && !taken.has(r)));
    for (const [r] of members) taken.add(r);
    editions.push({ best: described[k], members });
  });
  while (current.next < hits.length && taken.has(hits[current.next][0])) current.next++;
  // An edition's first member is its best hit: every hit ranked above it is taken already.
  const nodes = await Promise.all(editions.map(async ({ best, members }) => {
    const others = members.slice(1);
    const second = await Promise.all(others.slice(0, PER_EDITION - 1)
      .map(([rec, score]) => index.describe(query, rec, score)));
    return editionNode(query, [best, ...second], others.slice(PER_EDITION - 1));
  }));
  if (mine !== run) return null;
  list.append(...nodes);
  const rest = hits.length - taken.size;
  more.hidden = rest <= 0;
  more.textContent = `さらに表示（残り${rest}件）`;
  return nodes[0] ?? null;
}

async function search() {
  const query = input.value;
  const mine = ++run;
  list.replaceChildren();
  more.hidden = true;
  showSuggestions([]);
  if (query.trim() === '') {
    status.textContent = '検索する言葉を入力してください。';
    return;
  }
  status.textContent = '検索しています…';
  const hits = await index.search(query, filtersFromForm());
  if (mine !== run) return;
  current = { query, hits, taken: new Set(), next: 0 };
  await showMore(mine);
  const near = hits.length === 0 ? await index.suggest(query) : [];
  if (mine !== run) return;
  const words = query.trim();
  showSuggestions(near);
  if (hits.length > 0) status.textContent = `「${words}」の検索結果：${hits.length}件`;
  else if (near.length > 0) {
    status.textContent = `「${words}」に一致する項目は見つかりませんでした。近い言葉：${near.join('、')}`;
  } else {
    status.textContent = `「${words}」に一致する項目は見つかりませんでした。言葉を短くするか、絞り込みを外してお試しください。`;
  }
}

function syncUrl() {
  const params = new URLSearchParams();
  params.set('q', input.value);
  for (const [key, select] of Object.entries(selects)) {
    if (select.value) params.set(key, select.value);
  }
  history.replaceState(null, '', `?${params}`);
}

async function start() {
  try {
    index = await Index.open(load);
  } catch (e) {
    status.textContent = '検索索引を読み込めませんでした。時間をおいてもう一度お試しください。';
    return;
  }
  const meta = index.meta;
  fill(selects.municipality, meta.municipalities.map((m) => [m, m]));
  fill(selects.department, [...meta.departments].sort().map((d) => [d, d]));
  fill(selects.year, meta.years);
  const params = new URLSearchParams(location.search);
  input.value = params.get('q') ?? '';
  for (const [key, select] of Object.entries(selects)) {
    const v = params.get(key);
    if (v && [...select.options].some((o) => o.value === v)) select.value = v;
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    syncUrl();
    search();
  });
  more.addEventListener('click', async () => {
    const first = await showMore(run);
    if (first) first.querySelector('a').focus();
  });
  for (const select of Object.values(selects)) {
    select.addEventListener('change', () => {
      syncUrl();
      search();
    });
  }
  if (input.value.trim() !== '') search();
  else status.textContent = '検索する言葉を入力してください。';
}

start();
