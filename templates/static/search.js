// The search page's only script: asks the site's own Pagefind index (no other host).
// Without JavaScript the form is not shown (publish.css) and the page is a plain A–Ö index.
const form = document.getElementById("search");
const input = document.getElementById("search-query");
const results = document.getElementById("search-results");
const indexUrl = new URL(form.dataset.index, document.baseURI);
const siteUrl = new URL(form.dataset.site, document.baseURI);
// A large site's index comes in parts (govsite/search.py), merged into the first.
const partPaths = form.dataset.parts.split(" ").filter(Boolean)
  .map((part) => new URL(part, document.baseURI).pathname);
let loading = null; // one load, however many searches start while it runs: each part merged once

async function openIndex() {
  const engine = await import(indexUrl.href);
  await engine.options({ baseUrl: siteUrl.pathname });
  for (const path of partPaths) await engine.mergeIndex(path, { baseUrl: siteUrl.pathname });
  return engine;
}

function load() {
  loading ??= openIndex().catch((error) => { loading = null; throw error; });
  return loading;
}

function show(items) {
  results.replaceChildren();
  const count = document.createElement("p");
  count.textContent = items.length ? form.dataset.count.replace("{count}", items.length) : form.dataset.none;
  results.append(count);
  if (!items.length) return;
  const list = document.createElement("ul");
  list.className = "entity-list search-results";
  for (const item of items) {
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = item.url;
    link.textContent = item.meta && item.meta.title ? item.meta.title : item.url;
    const excerpt = document.createElement("p");
    // Pagefind marks the hits with <mark>; keep only the text.
    excerpt.textContent = new DOMParser().parseFromString(item.excerpt, "text/html").body.textContent;
    li.append(link, excerpt);
    list.append(li);
  }
  results.append(list);
}

async function run() {
  const query = input.value.trim();
  if (!query) { results.replaceChildren(); return; }
  try {
    const engine = await load();
    const found = await engine.debouncedSearch(query, {}, 200);
    if (found === null) return; // a newer query replaced this one
    show(await Promise.all(found.results.slice(0, 20).map((r) => r.data())));
  } catch (error) {
    results.textContent = form.dataset.failed;
  }
}

form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
input.addEventListener("input", run);
const initial = new URLSearchParams(location.search).get("q");
if (initial) { input.value = initial; run(); }
