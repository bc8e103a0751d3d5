// The actorstore operator console: plain JavaScript, no dependencies.
"use strict";

const $ = (sel) => document.querySelector(sel);
const PAGE = 25;
const state = { prefix: "", first: "", last: "", canPrev: false, stream: "", lo: 0, hi: 0, head: 0, tail: null, timers: [],
  write: false, projection: null };

$("#token").value = sessionStorage.getItem("actorstore-token") || "";
$("#token").addEventListener("change", (e) => sessionStorage.setItem("actorstore-token", e.target.value));

function headers() {
  const t = $("#token").value.trim();
  return t ? { Authorization: "Bearer " + t } : {};
}

async function api(path, opts = {}) {
  const res = await fetch(path, { ...opts, headers: { ...headers(), ...(opts.headers || {}) } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || res.status + " " + res.statusText);
  return body;
}

function showError(err) {
  const el = $("#error");
  el.textContent = err ? String(err.message || err) : "";
  el.hidden = !err;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

// ---- tabs
document.querySelectorAll("nav button").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
function showTab(name) {
  document.querySelectorAll("nav button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  document.querySelectorAll("main > section").forEach((s) => (s.hidden = s.id !== "tab-" + name));
  state.timers.forEach(clearInterval);
  state.timers = [];
  const every = (fn) => { fn(); state.timers.push(setInterval(fn, 2000)); };
  if (name === "subs") every(loadSubs);
  if (name === "projections") every(loadProjections);
  if (name === "cluster") loadCluster();
  if (name === "charts") every(loadCharts);
}

// ---- stream browser
$("#search-form").addEventListener("submit", (e) => {
  e.preventDefault();
  let p = $("#prefix").value.trim();
  if ($("#mode").value === "category" && p && !p.endsWith("-")) p += "-";
  state.prefix = p;
  state.canPrev = false;
  loadStreams({});
});
$("#streams-next").addEventListener("click", () => { state.canPrev = true; loadStreams({ after: state.last }); });
$("#streams-prev").addEventListener("click", () => loadStreams({ before: state.first }));

async function loadStreams(cursor) {
  try {
    const q = new URLSearchParams({ prefix: state.prefix, limit: PAGE, ...cursor });
    const page = await api("/ui/api/streams?" + q);
    showError(null);
    if (page.streams.length === 0 && (cursor.after || cursor.before)) {
      if (cursor.after) $("#streams-next").disabled = true; else $("#streams-prev").disabled = true;
      return;
    }
    const body = $("#streams tbody");
    body.replaceChildren(...page.streams.map((s) => el("tr", {},
      el("td", {}, el("a", { "data-stream": s.stream, onclick: () => openStream(s.stream, "end", "backward") }, s.stream)),
      el("td", { class: "num" }, s.version), el("td", { class: "num" }, s.last_position))));
    if (page.streams.length === 0) body.append(el("tr", {}, el("td", { colSpan: 3, class: "muted" }, "no streams")));
    state.first = page.first;
    state.last = page.last;
    if (cursor.before) state.canPrev = page.streams.length === PAGE;
    $("#streams-prev").disabled = !state.canPrev;
    $("#streams-next").disabled = page.streams.length < PAGE && !cursor.before;
  } catch (err) { showError(err); }
}

async function openStream(id, from, dir) {
  try {
    const q = new URLSearchParams({ id, from: String(from), dir, limit: 20 });
    const v = await api("/ui/api/stream?" + q);
    showError(null);
    state.stream = id;
    state.head = v.version;
    const evs = v.events.slice().sort((a, b) => a.version - b.version);
    if (evs.length > 0) { state.lo = evs[0].version; state.hi = evs[evs.length - 1].version; }
    $("#stream-view").hidden = false;
    $("#stream-title").textContent = id;
    $("#stream-head").textContent = `version ${v.version} · last position ${v.last_position} · owner ${v.owner} · showing ` +
      (evs.length ? `versions ${state.lo}–${state.hi}` : "no events");
    $("#events").replaceChildren(...evs.map(eventBox));
    const lc = v.lifecycle, md = lc.metadata;
    const del = lc.deleted === "hard" ? "deleted (hard: tombstone)" :
      lc.deleted === "soft" ? `deleted (soft) through version ${lc.deleted_through}` : "not deleted";
    const ret = lc.metadata_version === 0 ? "no retention metadata" :
      `retention: truncate before ${md.truncate_before || "–"} · max age ${md.max_age_seconds ? md.max_age_seconds + " s" : "–"} · ` +
      `max count ${md.max_count || "–"} (metadata version ${lc.metadata_version})`;
    $("#stream-lifecycle").textContent = `${del} · ${ret}`;
    $("#stream-lifecycle").dataset.deleted = lc.deleted || "no";
    $("#delete-version").textContent = String(v.version);
  } catch (err) { showError(err); }
}

document.querySelectorAll("#stream-view [data-page]").forEach((b) => b.addEventListener("click", () => {
  const s = state.stream;
  switch (b.dataset.page) {
    case "oldest": return openStream(s, 1, "forward");
    case "older": return state.lo > 1 && openStream(s, state.lo - 1, "backward");
    case "newer": return state.hi < state.head && openStream(s, state.hi + 1, "forward");
    case "newest": return openStream(s, "end", "backward");
  }
}));

function eventBox(e) {
  const body = { id: e.id, type: e.type, schema_version: e.schema_version, content_type: e.content_type, size: e.size };
  if (e.metadata) body.metadata = e.metadata;
  if (e.json !== undefined) body.data = e.json; else if (e.base64) body.data_base64 = e.base64;
  const pre = el("pre", { class: "json" });
  pre.innerHTML = highlight(JSON.stringify(body, null, 2));
  return el("details", { class: "event", "data-version": e.version },
    el("summary", {}, el("span", {}, "v" + e.version), el("span", { class: "muted" }, "#" + e.position),
      el("span", { class: "type" }, e.type), el("span", { class: "muted" }, new Date(e.created).toISOString())), pre);
}

function escapeHTML(s) {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// highlight colours a JSON text (escaped first, so data cannot inject HTML).
function highlight(json) {
  return escapeHTML(json).replace(/(&quot;(?:\\.|[^\\&]|&(?!quot;))*?&quot;)(\s*:)?|\b(true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g,
    (m, str, colon, lit) => {
      if (str) return colon ? `<span class="k">${str}</span>${colon}` : `<span class="s">${str}</span>`;
      if (lit) return `<span class="b">${lit}</span>`;
      return `<span class="n">${m}</span>`;
    });
}

$("#append-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const data = JSON.parse($("#append-data").value || "{}");
    await api("/ui/api/append", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ stream: state.stream, type: $("#append-type").value, data }) });
    openStream(state.stream, "end", "backward");
  } catch (err) { showError(err); }
});

$("#delete-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const hard = $("#delete-hard").checked;
  if (!confirm(`Delete ${state.stream} at version ${state.head}${hard ? " for good (tombstone)" : ""}?`)) return;
  try {
    await api("/ui/api/delete", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ stream: state.stream, expected_version: state.head, hard }) });
    openStream(state.stream, "end", "backward");
  } catch (err) { showError(err); }
});

// ---- live tail (server-sent events read with fetch, so the token header goes along)
$("#tail-form").addEventListener("submit", (e) => { e.preventDefault(); startTail(); });
$("#tail-stop").addEventListener("click", stopTail);

function stopTail() {
  if (state.tail) state.tail.abort();
  state.tail = null;
  $("#tail-status").textContent = "stopped";
  $("#tail-status").classList.remove("live");
  $("#tail-start").disabled = false;
  $("#tail-stop").disabled = true;
}

async function startTail() {
  stopTail();
  const ctl = new AbortController();
  state.tail = ctl;
  $("#tail-start").disabled = true;
  $("#tail-stop").disabled = false;
  $("#tail-status").textContent = "connecting";
  try {
    const q = new URLSearchParams({ stream: $("#tail-stream").value.trim() });
    const res = await fetch("/ui/api/tail?" + q, { headers: headers(), signal: ctl.signal });
    if (!res.ok) throw new Error((await res.json().catch(() => ({}))).error || res.statusText);
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        onTailMessage(buf.slice(0, i));
        buf = buf.slice(i + 2);
      }
    }
    if (state.tail === ctl) stopTail();
  } catch (err) {
    if (ctl.signal.aborted) return;
    showError(err);
    stopTail();
  }
}

function onTailMessage(block) {
  let name = "message", data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("event: ")) name = line.slice(7);
    else if (line.startsWith("data: ")) data += line.slice(6);
  }
  if (name === "ready") {
    $("#tail-status").textContent = "live";
    $("#tail-status").classList.add("live");
    return;
  }
  if (name !== "event") return;
  const e = JSON.parse(data);
  const body = $("#tail-events tbody");
  body.prepend(el("tr", { class: "fresh tail-row", "data-stream": e.stream },
    el("td", { class: "num" }, e.position), el("td", {}, el("a", { onclick: () => { showTab("streams"); openStream(e.stream, "end", "backward"); } }, e.stream)),
    el("td", { class: "num" }, e.version), el("td", {}, e.type), el("td", { class: "muted" }, new Date(e.created).toISOString())));
  while (body.children.length > 200) body.lastChild.remove();
}

// ---- subscriptions, cluster
function kv(table, rows) {
  $(table + " tbody").replaceChildren(...rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", { class: "num" }, v))));
}

async function loadSubs() {
  try {
    const s = await api("/ui/api/subscriptions");
    kv("#subs", [["subscriptions", s.subscriptions], ["consumer groups", s.groups], ["head position", s.head],
      ["largest lag (positions)", s.max_lag], ["largest lag (seconds)", s.max_lag_seconds.toFixed(3)],
      ["credits in flight", s.credits_in_flight], ["most events held by one", s.max_held]]);
  } catch (err) { showError(err); }
}

$("#parked-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const p = await api("/ui/api/parked?" + new URLSearchParams({ name: $("#parked-name").value.trim() }));
    $("#parked").replaceChildren(p.parked.length ? "" : el("p", { class: "muted" }, "no parked events"),
      ...p.parked.map((x) => { const b = eventBox(x.event); b.querySelector("summary").append(el("span", { class: "muted" }, "parked: " + x.reason)); return b; }));
  } catch (err) { showError(err); }
});

async function loadProjections() {
  try {
    const p = await api("/ui/api/projections");
    const body = $("#projections tbody");
    body.replaceChildren(...p.projections.map((x) => el("tr", { "data-projection": x.name + "/" + x.version,
      class: "clickable", onclick: () => { state.projection = { name: x.name, version: x.version }; loadProjections(); } },
      el("td", {}, x.name), el("td", { class: "num" }, x.version), el("td", {}, x.live ? "live" : ""),
      el("td", {}, x.state), el("td", { class: "num" }, x.position), el("td", { class: "num" }, x.lag_events),
      el("td", { class: "num" }, x.lag_seconds.toFixed(1)), el("td", { class: "num" }, x.parked),
      el("td", { class: "error-text" }, x.last_error || ""))));
    if (p.projections.length === 0) body.append(el("tr", {}, el("td", { colSpan: 9, class: "muted" }, "no projections")));
    const sel = state.projection && p.projections.find((x) => x.name === state.projection.name && x.version === state.projection.version);
    $("#projection-detail").hidden = !sel;
    if (sel) await loadProjectionDetail(sel);
  } catch (err) { showError(err); }
}

// The partitions and parked events of the selected projection version;
// retry and skip show when the console may write.
async function loadProjectionDetail(x) {
  $("#projection-title").textContent = `${x.name} v${x.version}: ${x.partitions} partition(s)`;
  $("#projection-parts tbody").replaceChildren(...(x.parts || []).map((p) => el("tr", {},
    el("td", { class: "num" }, p.partition), el("td", { class: "num" }, p.position), el("td", { class: "num" }, p.handled),
    el("td", {}, p.caught_up ? "yes" : "no"), el("td", { class: p.owned ? "" : "muted" }, p.owner ? p.owner + (p.owned ? "" : " (expired)") : "none"))));
  const q = new URLSearchParams({ name: x.name, version: x.version });
  const parked = (await api("/ui/api/projection-parked?" + q)).parked;
  const act = (e, action) => el("button", { class: "small", "data-action": action, onclick: async () => {
    if (!confirm(`${action} the event at position ${e.position} of ${x.name} v${x.version}?`)) return;
    try {
      await api("/ui/api/projection-parked", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: x.name, version: x.version, position: e.position, action }) });
      showError(null);
      loadProjections();
    } catch (err) { showError(err); }
  } }, action);
  const body = $("#projection-parked tbody");
  body.replaceChildren(...parked.map((e) => el("tr", { "data-position": e.position },
    el("td", { class: "num" }, e.position), el("td", { class: "num" }, e.partition), el("td", {}, e.stream), el("td", {}, e.type),
    el("td", {}, e.kind), el("td", { class: "error-text" }, e.error), el("td", { class: "muted" }, e.parked_at),
    el("td", {}, ...(state.write ? [act(e, "retry"), " ", act(e, "skip")] : [])))));
  if (parked.length === 0) body.append(el("tr", {}, el("td", { colSpan: 8, class: "muted" }, "no parked events")));
}

async function loadCluster() {
  try {
    const c = await api("/ui/api/cluster");
    kv("#cluster", [["clustered", c.clustered ? "yes" : "no (single node)"], ["name", c.cluster.name || "–"],
      ["this node", c.cluster.self], ["joined", c.cluster.joined ? "yes" : "no"],
      ["members", (c.cluster.members || []).join(", ")]]);
  } catch (err) { showError(err); }
}

// ---- charts
async function loadCharts() {
  try {
    const c = await api("/ui/api/charts");
    draw("#chart-rate", "#last-rate", c.points.map((p) => p.append_rate), (v) => v.toFixed(1));
    draw("#chart-p99", "#last-p99", c.points.map((p) => p.p99 * 1000), (v) => v.toFixed(2) + " ms");
    draw("#chart-lag", "#last-lag", c.points.map((p) => p.lag), (v) => String(Math.round(v)));
  } catch (err) { showError(err); }
}

function draw(svgSel, lastSel, values, fmt) {
  const svg = $(svgSel);
  const max = Math.max(1e-9, ...values);
  const n = Math.max(values.length - 1, 1);
  const pts = values.map((v, i) => `${(i / n) * 600},${118 - (v / max) * 110}`).join(" ");
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", pts);
  svg.replaceChildren(line);
  $(lastSel).textContent = values.length ? `${fmt(values[values.length - 1])} (max ${fmt(max)})` : "no samples yet";
}

// What this console may do (write actions); asked again when the token changes.
function loadConfig() {
  api("/ui/api/config").then((c) => { state.write = c.write; $("#append-form").hidden = !c.write; $("#delete-form").hidden = !c.write; }).catch(() => {});
}
$("#token").addEventListener("change", loadConfig);
loadConfig();
loadStreams({});
