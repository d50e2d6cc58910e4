// The search page: reads ?q= and the filters from the URL, runs the engine, shows the results.
// Every text is inserted with textContent, so nothing from the index is parsed as HTML.

import { Index } from './engine.js';

const SHOWN = 10;
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
const load = async (path) => {
  const response = await fetch(new URL(path, base));
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.arrayBuffer();
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

function resultNode(r) {
  const li = document.createElement('li');
  const h = document.createElement('h2');
  const a = document.createElement('a');
  a.href = r.url;
  a.textContent = r.title;
  h.append(a);
  const crumbs = document.createElement('p');
  crumbs.className = 'result-crumbs';
  crumbs.textContent = r.breadcrumb.join(' › ');
  li.append(h, crumbs, snippetNode(r.snippet, r.highlights));
  return li;
}

let index = null;
let run = 0;
let current = { query: '', hits: [] };

// Describe and append the next SHOWN hits; returns the first new list item.
async function showMore(mine) {
  const { query, hits } = current;
  const from = list.children.length;
  const shown = await Promise.all(
    hits.slice(from, from + SHOWN).map(([rec, score]) => index.describe(query, rec, score)),
  );
  if (mine !== run) return null;
  const nodes = shown.map(resultNode);
  list.append(...nodes);
  const rest = hits.length - list.children.length;
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
  current = { query, hits };
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
