// credit's dashboard: the runs table, the selected runs' curves drawn as
// SVG by the small plotter below, and live updates from /api/events.
"use strict";

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const LAYER_KEYS = [
  ["delta_angle_deg", "delta angle (°)"],
  ["update_angle_deg", "update angle (°)"],
  ["weight_angle_deg", "weight angle (°)"],
  ["sign_congruence", "sign congruence"],
  ["lambda_snr", "λ̂ SNR", true],
];

const st = {
  runs: [],             // RunInfo from /api/runs
  version: -1,
  cache: new Map(),     // id -> {version, body}
  selected: new Set(),
  chosen: false,        // the user (or the URL) chose the selection
  sort: { key: "name", dir: 1 },
  filter: "",
  bands: null,          // /api/bands answer for the selection
  bandsKey: "",
  diff: null,
  diffKey: "",
  busy: false,
  again: false,
};

const $ = (s) => document.querySelector(s);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const fin = (v) => typeof v === "number" && isFinite(v);
const fmt = (v, d = 4) => (fin(v) ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : +v.toPrecision(d) + "") : "–");

// ---- selection in the URL (#sel=id,id&x=steps&bands=1) ----
function readHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  if (h.has("sel")) {
    st.chosen = true;
    st.selected = new Set(h.get("sel").split(",").filter(Boolean));
  }
  if (h.get("x") === "steps") $("#xaxis").value = "steps";
  if (h.get("bands") === "1") $("#bands").checked = true;
}
function writeHash() {
  const h = new URLSearchParams();
  if (st.chosen) h.set("sel", [...st.selected].join(","));
  if ($("#xaxis").value === "steps") h.set("x", "steps");
  if ($("#bands").checked) h.set("bands", "1");
  history.replaceState(null, "", "#" + h.toString());
}

// ---- fetching ----
async function getJSON(url) {
  const r = await fetch(url, { cache: "no-store" });
  if (!r.ok) throw new Error(url + ": " + r.status);
  return r.json();
}

async function refresh() {
  if (st.busy) { st.again = true; return; }
  st.busy = true;
  try {
    do {
      st.again = false;
      const b = await getJSON("/api/runs");
      st.runs = b.runs;
      st.version = b.version;
      $("#dirs").textContent = b.dirs.join("  ");
      const ids = new Set(st.runs.map((r) => r.id));
      for (const id of [...st.selected]) if (!ids.has(id)) st.selected.delete(id);
      for (const id of [...st.cache.keys()]) if (!ids.has(id)) st.cache.delete(id);
      if (!st.chosen && st.selected.size === 0) {
        for (const r of sortedRuns().slice(0, 5)) if (r.state !== "corrupt") st.selected.add(r.id);
      }
      renderTable();
      await loadSelected();
      if ($("#bands").checked) renderTable(); // the swatches take their groups' colours
      draw();
    } while (st.again);
  } catch (e) {
    $("#note").textContent = "update failed: " + e.message;
  } finally {
    st.busy = false;
  }
}

async function loadSelected() {
  const info = new Map(st.runs.map((r) => [r.id, r]));
  const sel = [...st.selected].filter((id) => info.has(id) && info.get(id).state !== "corrupt");
  await Promise.all(sel.map(async (id) => {
    const c = st.cache.get(id);
    if (c && c.version === info.get(id).version) return;
    try {
      const body = await getJSON("/api/run/" + id.split("/").map(encodeURIComponent).join("/"));
      st.cache.set(id, { version: info.get(id).version, body });
    } catch (e) { /* gone meanwhile: the next change drops it */ }
  }));
  const key = sel.map((id) => id + "@" + info.get(id).version).join(",");
  const q = sel.map((id) => "id=" + encodeURIComponent(id)).join("&");
  if ($("#bands").checked && key !== st.bandsKey) {
    st.bands = sel.length ? await getJSON("/api/bands?" + q) : [];
    st.bandsKey = key;
  }
  if (key !== st.diffKey) {
    st.diff = sel.length > 1 ? await getJSON("/api/diff?" + q) : null;
    st.diffKey = key;
  }
}

// ---- the runs table ----
function cell(r, key) {
  switch (key) {
    case "test_error": return fin(r.test_error) ? r.test_error : NaN;
    case "test_loss": return fin(r.test_loss) ? r.test_loss : NaN;
    default: return r[key];
  }
}
function sortedRuns() {
  const { key, dir } = st.sort;
  const words = st.filter.toLowerCase().split(/\s+/).filter(Boolean);
  const rows = st.runs.filter((r) => {
    const text = [r.name, r.rule, r.data, r.net, r.state, r.detail, "seed" + r.seed].join(" ").toLowerCase();
    return words.every((w) => text.includes(w));
  });
  rows.sort((a, b) => {
    const x = cell(a, key), y = cell(b, key);
    if (typeof x === "number" || typeof y === "number") {
      const nx = fin(x), ny = fin(y);
      if (nx !== ny) return nx ? -1 : 1; // missing values last
      return nx ? dir * (x - y) : 0;
    }
    return dir * String(x).localeCompare(String(y), undefined, { numeric: true });
  });
  return rows;
}
function colorOf(id) {
  if ($("#bands").checked && st.bands) { // a run takes its group's colour
    const g = st.bands.findIndex((b) => b.ids.includes(id));
    if (g >= 0) return COLORS[g % COLORS.length];
  }
  const sel = [...st.selected];
  const i = sel.indexOf(id);
  return i < 0 ? null : COLORS[i % COLORS.length];
}
function renderTable() {
  const rows = sortedRuns();
  $("#count").textContent = rows.length + " of " + st.runs.length + " runs, " + st.selected.size + " selected";
  for (const th of document.querySelectorAll("#runs th[data-key]")) {
    th.classList.toggle("asc", th.dataset.key === st.sort.key && st.sort.dir > 0);
    th.classList.toggle("desc", th.dataset.key === st.sort.key && st.sort.dir < 0);
  }
  const html = rows.map((r) => {
    const sel = st.selected.has(r.id);
    const c = colorOf(r.id);
    const stateText = r.state === "diverged" || r.state === "interrupted" ? r.state + " at epoch " + Math.max(r.epoch, 0) + ", step " + r.step : r.state;
    const detail = r.state === "corrupt" ? `<div class="detail">${esc(r.detail)}</div>` : "";
    return `<tr data-id="${esc(r.id)}" class="${sel ? "selected" : ""}">
      <td><input type="checkbox" ${sel ? "checked" : ""} aria-label="select"></td>
      <td class="name">${c ? `<span class="swatch" style="background:${c}"></span>` : ""}${esc(r.name)}</td>
      <td>${esc(r.rule)}</td><td>${esc(r.data)}</td><td>${esc(r.net)}</td>
      <td><span class="state ${esc(r.state)}" title="${esc(r.detail || "")}">${esc(stateText)}</span>${detail}</td>
      <td class="num">${r.epoch < 0 ? "–" : r.epoch}/${r.epochs}</td>
      <td class="num">${r.step}</td>
      <td class="num">${fin(r.test_error) ? (100 * r.test_error).toFixed(2) + "%" : "–"}</td>
      <td class="num">${fmt(r.test_loss)}</td></tr>`;
  }).join("");
  $("#runs tbody").innerHTML = html || `<tr><td colspan="10" class="empty">no runs match</td></tr>`;
}

// ---- a small SVG plotter ----
function ticks(lo, hi, n = 5) {
  if (!(hi > lo)) { hi = lo + 1; lo -= 1; }
  const span = hi - lo, step0 = span / n, mag = Math.pow(10, Math.floor(Math.log10(step0)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) || step0;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  out.step = step;
  return out;
}
// tickText writes a tick value with the decimals its step needs.
function tickText(v, step) {
  if (Math.abs(v) >= 1e5 || (step < 1e-4 && v !== 0)) return v.toExponential(1);
  return v.toFixed(Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
}
function segments(x, y, tx, ty) {
  let d = "", pen = false, n = 0;
  for (let i = 0; i < x.length; i++) {
    if (!fin(x[i]) || !fin(y[i])) { pen = false; continue; }
    d += (pen ? "L" : "M") + tx(x[i]).toFixed(1) + "," + ty(y[i]).toFixed(1);
    pen = true; n++;
  }
  return [d, n];
}
// plot draws series [{label, color, x, y, lo, hi, dash}] into an SVG string.
function plot(series, { log = false, xlabel = "" } = {}) {
  const W = 340, H = 210, L = 46, R = 8, T = 6, B = 30;
  const f = log ? (v) => (v > 0 ? Math.log10(v) : NaN) : (v) => v;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      for (const v of [s.y[i], s.lo && s.lo[i], s.hi && s.hi[i]]) {
        const fy = f(v);
        if (!fin(s.x[i]) || !fin(fy)) continue;
        x0 = Math.min(x0, s.x[i]); x1 = Math.max(x1, s.x[i]); y0 = Math.min(y0, fy); y1 = Math.max(y1, fy);
      }
    }
  }
  if (!fin(x0)) return null;
  if (x1 === x0) { x1 = x0 + 1; }
  if (y1 === y0) { y0 -= Math.abs(y0) * 0.05 || 1; y1 += Math.abs(y1) * 0.05 || 1; }
  const pad = (y1 - y0) * 0.04; y0 -= pad; y1 += pad;
  const tx = (v) => L + ((v - x0) / (x1 - x0)) * (W - L - R);
  const ty = (v) => T + (1 - (f(v) - y0) / (y1 - y0)) * (H - T - B);
  const tyRaw = (v) => T + (1 - (v - y0) / (y1 - y0)) * (H - T - B);
  let g = `<g class="grid">`, ax = `<g class="axis">`;
  const xt = ticks(x0, x1), yt = ticks(y0, y1);
  for (const v of xt) {
    if (v < x0 || v > x1) continue;
    g += `<line x1="${tx(v)}" x2="${tx(v)}" y1="${T}" y2="${H - B}"/>`;
    ax += `<text x="${tx(v)}" y="${H - B + 12}" text-anchor="middle">${tickText(v, xt.step)}</text>`;
  }
  for (const v of yt) {
    if (v < y0 || v > y1) continue;
    g += `<line x1="${L}" x2="${W - R}" y1="${tyRaw(v)}" y2="${tyRaw(v)}"/>`;
    const text = log ? (Number.isInteger(v) && (v < -3 || v > 4) ? "1e" + v : +Math.pow(10, v).toPrecision(2) + "") : tickText(v, yt.step);
    ax += `<text x="${L - 4}" y="${tyRaw(v) + 3}" text-anchor="end">${text}</text>`;
  }
  ax += `<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle">${esc(xlabel)}</text></g>`;
  g += `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#ccc"/></g>`;
  let body = "";
  for (const s of series) {
    if (s.lo && s.hi) {
      let up = "", down = "";
      for (let i = 0; i < s.x.length; i++) {
        if (fin(s.x[i]) && fin(f(s.lo[i])) && fin(f(s.hi[i]))) {
          up += (up ? "L" : "M") + tx(s.x[i]).toFixed(1) + "," + ty(s.hi[i]).toFixed(1);
          down = "L" + tx(s.x[i]).toFixed(1) + "," + ty(s.lo[i]).toFixed(1) + down;
        }
      }
      if (up) body += `<path class="band" d="${up}${down}Z" fill="${s.color}" fill-opacity="0.18" stroke="none"/>`;
    }
    const [d, n] = segments(s.x, s.y, tx, ty);
    body += `<path class="line" data-label="${esc(s.label)}" data-points="${n}" d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${s.dash ? ' stroke-dasharray="5,3"' : ""}><title>${esc(s.label)}</title></path>`;
    if (n === 1) {
      const i = s.x.findIndex((v, k) => fin(v) && fin(f(s.y[k])));
      body += `<circle cx="${tx(s.x[i])}" cy="${ty(s.y[i])}" r="2.5" fill="${s.color}"/>`;
    }
  }
  return `<svg viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg">${g}${ax}${body}</svg>`;
}

// ---- the panels ----
function lines() {
  // One entry per drawn item: a selected run, or a group of them.
  const info = new Map(st.runs.map((r) => [r.id, r]));
  if ($("#bands").checked && st.bands) {
    return st.bands.map((b, i) => ({
      label: b.group + " (" + b.ids.length + (b.ids.length === 1 ? " run)" : " seeds)"),
      color: COLORS[i % COLORS.length], c: b.mean, lo: b.lo, hi: b.hi,
    }));
  }
  return [...st.selected].filter((id) => st.cache.has(id) && info.has(id)).map((id) => ({
    label: info.get(id).name, color: colorOf(id), c: st.cache.get(id).body.curves,
  }));
}
function xOf(c, steps) { return steps ? c.steps : c.epoch; }
function panel(key, title, series, opts) {
  const svg = plot(series, opts);
  if (!svg) return "";
  return `<div class="panel" data-panel="${key}"><h3>${esc(title)}</h3>${svg}</div>`;
}
function draw() {
  const items = lines();
  const steps = $("#xaxis").value === "steps";
  const xlabel = steps ? "optimiser steps" : "epoch";
  let html = "";
  const val = (k, dash, scale = 1) => items.map((it) => ({
    label: it.label + (dash ? " (train)" : ""), color: it.color, dash, x: xOf(it.c, steps),
    y: (it.c.values[k] || []).map((v) => (fin(v) ? v * scale : NaN)),
    lo: it.lo && (it.lo.values[k] || []).map((v) => (fin(v) ? v * scale : NaN)),
    hi: it.hi && (it.hi.values[k] || []).map((v) => (fin(v) ? v * scale : NaN)),
  }));
  html += panel("test_error", "test error (%)", val("test_error", false, 100), { xlabel });
  const losses = [...val("test_loss", false), ...val("train_loss", true)];
  const pos = losses.flatMap((s) => s.y.filter((v) => fin(v) && v > 0));
  const logLoss = pos.length > 1 && Math.max(...pos) / Math.min(...pos) > 30;
  html += panel("loss", "loss (test solid, train dashed)" + (logLoss ? ", log scale" : ""), losses, { xlabel, log: logLoss });
  const layers = Math.max(0, ...items.map((it) => it.c.layers.length));
  for (let i = 0; i < layers; i++) {
    let row = "";
    for (const [k, title, log] of LAYER_KEYS) {
      const ss = items.filter((it) => it.c.layers[i]).map((it) => {
        const useDiag = steps && it.c.diag_layers && it.c.diag_layers[i];
        const src = useDiag ? it.c.diag_layers[i] : it.c.layers[i];
        const x = useDiag ? it.c.diag_steps : xOf(it.c, steps);
        const pick = (c) => c && (useDiag ? c.diag_layers && c.diag_layers[i] : c.layers[i]);
        return {
          label: it.label, color: it.color, x, y: src[k] || [],
          lo: it.lo && pick(it.lo) && pick(it.lo)[k], hi: it.hi && pick(it.hi) && pick(it.hi)[k],
        };
      });
      row += panel("layer" + (i + 1) + "_" + k, "hidden layer " + (i + 1) + ": " + title, ss, { xlabel, log });
    }
    if (row) html += `<div class="layer-head">hidden layer ${i + 1}</div>` + row;
  }
  if (!items.length) html = `<div class="empty">select runs in the table to see their curves</div>`;
  $("#plots").innerHTML = html;
  const legend = items.map((it) => `<span><span class="swatch" style="background:${it.color}"></span>${esc(it.label)}</span>`).join(" &nbsp; ");
  $("#note").innerHTML = legend;
  drawDiff();
}
function drawDiff() {
  const d = st.diff;
  if (!d || st.selected.size < 2) { $("#diff").innerHTML = `<div class="empty">select two or more runs</div>`; return; }
  if (!d.keys.length) { $("#diff").innerHTML = `<div class="empty">the selected runs have the same settings</div>`; return; }
  const info = new Map(st.runs.map((r) => [r.id, r]));
  let h = "<table><tr><th>run</th>" + d.keys.map((k) => `<th>${esc(k)}</th>`).join("") + "</tr>";
  d.ids.forEach((id, i) => {
    const c = colorOf(id);
    h += `<tr><td>${c ? `<span class="swatch" style="background:${c}"></span>` : ""}${esc(info.has(id) ? info.get(id).name : id)}</td>` +
      d.values[i].map((v) => `<td>${esc(v)}</td>`).join("") + "</tr>";
  });
  $("#diff").innerHTML = h + "</table>";
}

// ---- events ----
function toggle(id, on) {
  st.chosen = true;
  if (on) st.selected.add(id); else st.selected.delete(id);
  writeHash();
  refresh();
}
$("#runs tbody").addEventListener("click", (e) => {
  const tr = e.target.closest("tr[data-id]");
  if (!tr) return;
  const id = tr.dataset.id;
  toggle(id, e.target.type === "checkbox" ? e.target.checked : !st.selected.has(id));
});
$("#runs thead").addEventListener("click", (e) => {
  const k = e.target.dataset && e.target.dataset.key;
  if (!k) return;
  st.sort = { key: k, dir: st.sort.key === k ? -st.sort.dir : 1 };
  renderTable();
});
$("#filter").addEventListener("input", (e) => { st.filter = e.target.value; renderTable(); });
$("#select-shown").addEventListener("click", () => { st.chosen = true; for (const r of sortedRuns()) st.selected.add(r.id); writeHash(); refresh(); });
$("#select-none").addEventListener("click", () => { st.chosen = true; st.selected.clear(); writeHash(); refresh(); });
$("#xaxis").addEventListener("change", () => { writeHash(); draw(); });
$("#bands").addEventListener("change", () => { st.bandsKey = ""; writeHash(); refresh(); });

function listen() {
  const es = new EventSource("/api/events");
  es.addEventListener("change", (e) => {
    $("#live").className = "live on";
    $("#live").textContent = "live · " + new Date().toLocaleTimeString();
    if (+e.data !== st.version) refresh();
  });
  es.onerror = () => { $("#live").className = "live off"; $("#live").textContent = "reconnecting…"; };
}

readHash();
refresh().then(listen);
