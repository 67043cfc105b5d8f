// The search page: text queries, image queries (picker or drop), "find similar" and "search this caption"
// on each result. The query lives in the URL (?q=... or ?like=ID, with k and rerank) so a search can be
// shared and reloaded; image uploads cannot be, so they leave the URL bare.
"use strict";

const $ = (id) => document.getElementById(id);
const els = {
  form: $("search"), q: $("q"), file: $("file"), rerank: $("rerank"), k: $("k"), status: $("status"),
  error: $("error"), images: $("images"), imagesSection: $("images-section"), imagesTitle: $("images-title"),
  texts: $("texts"), textsSection: $("texts-section"), empty: $("empty"), hint: $("hint"),
  queryImage: $("query-image"), queryPreview: $("query-preview"),
};
let generation = 0; // a newer search makes older answers stale

function options() {
  const k = Math.min(100, Math.max(1, parseInt(els.k.value, 10) || 20));
  els.k.value = k;
  return { k, rerank: els.rerank.checked };
}

function authHeaders() {
  const token = sessionStorage.getItem("qsearch-token");
  return token ? { Authorization: "Bearer " + token } : {};
}

async function post(body) {
  const isForm = body instanceof FormData;
  const response = await fetch("/api/search", {
    method: "POST",
    headers: isForm ? authHeaders() : { "Content-Type": "application/json", ...authHeaders() },
    body: isForm ? body : JSON.stringify(body),
  });
  let data = null;
  try { data = await response.json(); } catch (e) { /* not JSON: reported below */ }
  if (response.status === 401) {
    const token = window.prompt("This server needs a token to search:");
    if (token) {
      sessionStorage.setItem("qsearch-token", token);
      return post(body);
    }
  }
  if (!response.ok) {
    const detail = data && (data.detail || data.title);
    throw new Error(detail || "the server answered " + response.status);
  }
  return data;
}

function setBusy(message) {
  els.status.textContent = message;
  els.status.classList.toggle("loading", Boolean(message));
}

function showError(message) {
  els.error.textContent = message;
  els.error.hidden = false;
}

function clearResults() {
  els.error.hidden = true;
  els.empty.hidden = true;
  els.hint.hidden = true;
  els.images.replaceChildren();
  els.texts.replaceChildren();
  els.imagesSection.hidden = true;
  els.textsSection.hidden = true;
}

function fmt(x) { return x === null || x === undefined ? "–" : Number(x).toFixed(3); }

function scoreLine(item) {
  const parts = ["score " + fmt(item.score), "itc " + fmt(item.itc)];
  if (item.itm !== null && item.itm !== undefined) parts.push("itm " + fmt(item.itm));
  return parts.join(" · ");
}

function button(label, title, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.title = title;
  b.addEventListener("click", onClick);
  return b;
}

function renderImages(results, title) {
  els.imagesTitle.textContent = title;
  for (const item of results) {
    const li = document.createElement("li");
    li.className = "card image-result";
    li.dataset.id = item.id;
    const caption = item.caption || (item.captions && item.captions[0]) || item.uri || item.id;
    const thumb = document.createElement("a");
    thumb.className = "thumb";
    thumb.href = "/api/images/" + encodeURIComponent(item.id);
    thumb.target = "_blank";
    thumb.rel = "noopener";
    const img = document.createElement("img");
    img.src = "/api/images/" + encodeURIComponent(item.id) + "/thumb?size=192";
    img.alt = caption;
    img.loading = "lazy";
    thumb.append(img);
    const scores = document.createElement("div");
    scores.className = "scores";
    scores.textContent = scoreLine(item);
    const text = document.createElement("div");
    text.className = "caption";
    text.textContent = caption;
    const made = document.createElement("div");
    made.className = "generated";
    made.hidden = !item.generated_caption;
    made.textContent = item.generated_caption ? "model: " + item.generated_caption : "";
    made.title = "the caption the model generated for this image";
    li.title = scoreLine(item);
    const actions = document.createElement("div");
    actions.className = "actions";
    actions.append(
      button("Find similar", "Images that look like this one", () => navigate({ like: item.id })),
      button("Search this caption", "Search with this caption as the text", () => navigate({ q: caption })));
    li.append(thumb, scores, text, made, actions);
    els.images.append(li);
  }
  els.imagesSection.hidden = results.length === 0;
}

function renderTexts(results) {
  for (const item of results) {
    const li = document.createElement("li");
    li.className = "text-result";
    const words = document.createElement("span");
    words.className = "text";
    words.textContent = item.text;
    const score = document.createElement("span");
    score.className = "score";
    score.textContent = scoreLine(item);
    li.append(words, score, button("Search", "Search images with this text", () => navigate({ q: item.text })));
    els.texts.append(li);
  }
  els.textsSection.hidden = results.length === 0;
}

function finish(count, took) {
  setBusy("");
  els.status.textContent = count + " results in " + Math.round(took) + " ms";
  els.empty.hidden = count > 0;
}

// --- the three kinds of search ---

// One search at a time: work() fetches and returns how to show the answer, which is dropped
// when a newer search has started; a failure is shown to the person, never a blank page.
async function runSearch(busy, work, onError) {
  const mine = ++generation;
  clearResults();
  setBusy(busy);
  try {
    const show = await work();
    if (mine === generation) show();
  } catch (e) {
    if (mine !== generation) return;
    setBusy("");
    onError(e);
  }
}

function showTextsAndImages(texts, images) {
  renderTexts(texts.results);
  renderImages(images.results, "Similar images");
  finish(images.results.length + texts.results.length, Math.max(texts.took_ms, images.took_ms));
}

function searchText(text) {
  els.queryImage.hidden = true;
  return runSearch("Searching…", async () => {
    const data = await post({ text, ...options() });
    return () => {
      renderImages(data.results, "Images for “" + text + "”");
      finish(data.results.length, data.took_ms);
    };
  }, (e) => showError(e.message));
}

function searchLike(id) {
  els.queryImage.hidden = false;
  els.queryPreview.src = "/api/images/" + encodeURIComponent(id) + "/thumb?size=128";
  return runSearch("Searching…", async () => {
    const o = options();
    const [texts, images] = await Promise.all([
      post({ like: id, target: "texts", k: Math.min(o.k, 10), rerank: o.rerank }),
      post({ like: id, target: "images", ...o }),
    ]);
    return () => showTextsAndImages(texts, images);
  }, (e) => showError(e.message));
}

function searchImage(file) {
  history.pushState({}, "", "/");
  els.q.value = "";
  els.queryImage.hidden = false;
  els.queryPreview.src = URL.createObjectURL(file);
  const form = (target, k) => {
    const f = new FormData();
    f.append("image", file, file.name || "query");
    f.append("target", target);
    f.append("k", String(k));
    f.append("rerank", String(options().rerank));
    return f;
  };
  return runSearch("Reading the image…", async () => {
    const o = options();
    const [texts, images] = await Promise.all([post(form("texts", Math.min(o.k, 10))), post(form("images", o.k))]);
    return () => showTextsAndImages(texts, images);
  }, (e) => {
    els.queryImage.hidden = true;
    showError("That image could not be searched: " + e.message);
  });
}

// --- the URL holds the query ---

function navigate(query) {
  const params = new URLSearchParams();
  if (query.q) params.set("q", query.q);
  if (query.like) params.set("like", query.like);
  const o = options();
  if (o.k !== 20) params.set("k", String(o.k));
  if (!o.rerank) params.set("rerank", "0");
  history.pushState({}, "", "/?" + params.toString());
  run();
}

function run() {
  const params = new URLSearchParams(location.search);
  if (params.has("k")) els.k.value = params.get("k");
  if (params.has("rerank")) els.rerank.checked = params.get("rerank") !== "0";
  const q = (params.get("q") || "").trim();
  const like = params.get("like");
  els.q.value = q;
  if (q) {
    document.title = q + " – qsearch";
    searchText(q);
  } else if (like) {
    document.title = "Similar to " + like + " – qsearch";
    searchLike(like);
  } else {
    document.title = "qsearch";
    generation++;
    clearResults();
    els.hint.hidden = false;
    els.queryImage.hidden = true;
    setBusy("");
  }
}

els.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const q = els.q.value.trim();
  if (!q) {
    clearResults();
    showError("Type something to search for, or choose an image.");
    return;
  }
  navigate({ q });
});
els.file.addEventListener("change", () => {
  if (els.file.files.length) searchImage(els.file.files[0]);
  els.file.value = "";
});
$("pick").addEventListener("keydown", (event) => {
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    els.file.click();
  }
});
$("pick").tabIndex = 0;
for (const control of [els.rerank, els.k]) {
  control.addEventListener("change", () => {
    const params = new URLSearchParams(location.search);
    if (params.get("q") || params.get("like")) navigate({ q: params.get("q"), like: params.get("like") });
  });
}
window.addEventListener("popstate", run);
document.addEventListener("keydown", (event) => {
  if (event.key === "/" && document.activeElement !== els.q && !(document.activeElement instanceof HTMLInputElement)) {
    event.preventDefault();
    els.q.focus();
  }
});

// drop an image anywhere on the page
let dragDepth = 0;
document.addEventListener("dragenter", (event) => {
  if (!event.dataTransfer || ![...event.dataTransfer.types].includes("Files")) return;
  dragDepth++;
  document.body.classList.add("dragging");
});
document.addEventListener("dragleave", () => {
  if (--dragDepth <= 0) {
    dragDepth = 0;
    document.body.classList.remove("dragging");
  }
});
document.addEventListener("dragover", (event) => event.preventDefault());
document.addEventListener("drop", (event) => {
  event.preventDefault();
  dragDepth = 0;
  document.body.classList.remove("dragging");
  const file = event.dataTransfer && event.dataTransfer.files[0];
  if (file) searchImage(file);
});

run();
