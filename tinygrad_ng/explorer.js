// tinygrad_ng explorer: pan, zoom, search, collapse, details and the backward stepper over
// the SVG that Graphviz drew. The page's data is the JSON in <script id="data">.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("data").textContent);
  const N = D.nodes, S = D.steps, V = D.views;
  const $ = (id) => document.getElementById(id);
  const graph = $("graph"), panel = $("panel"), slider = $("slider");
  const HEAT = ["#4575b4", "#74add1", "#abd9e9", "#e0f3f8", "#ffffbf", "#fee090", "#fdae61", "#f46d43", "#d73027"];
  const collapsed = V.map((v) => new Set(v.collapsed));
  const stepOf = new Map(S.map((s, k) => [s.node, k]));
  let view = -1, svg = null, vb = null, full = null, owner = new Map();
  let step = 0, heat = false, selected = null;

  // ------------------------------------------------------------------ numbers
  function fmt(x) {
    if (typeof x === "string") return x;
    if (x === 0) return "0";
    const a = Math.abs(x);
    return a >= 1e4 || a < 1e-3 ? x.toExponential(3) : String(Number(x.toPrecision(4)));
  }
  function esc(t) {
    return String(t).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function shape(s) {
    return "(" + s.shape.join(", ") + (s.shape.length === 1 ? ",)" : ")");
  }
  function norm(s) {
    if (typeof s.norm === "number" || !s.values) return s.norm;
    return s.values.some((v) => typeof v === "string") ? undefined : Math.sqrt(s.values.reduce((a, v) => a + v * v, 0));
  }
  function hist(s, cls) {
    if (!s.hist) return "";
    const top = Math.max(...s.hist), w = 180 / s.hist.length;
    const bars = s.hist.map((c, k) => {
      const h = top ? Math.max(c ? 1 : 0, (34 * c) / top) : 0;
      return `<rect x="${k * w + 0.5}" y="${36 - h}" width="${w - 1}" height="${h}"><title>${c}</title></rect>`;
    });
    return `<svg class="hist ${cls}" width="180" height="48" viewBox="0 0 180 48" role="img">${bars.join("")}` +
      `<text x="0" y="47">${fmt(s.min)}</text><text x="180" y="47" text-anchor="end">${fmt(s.max)}</text></svg>`;
  }
  function values(s) {
    if (s.values) return s.values.length === 1 ? fmt(s.values[0]) : "[" + s.values.map(fmt).join(", ") + "]";
    if (s.mean === undefined) return "empty";
    return `mean ${fmt(s.mean)}, min ${fmt(s.min)}, max ${fmt(s.max)}, norm ${fmt(s.norm)}`;
  }
  function summary(s, cls) {
    const bad = s.nonfinite ? ` <b class="bad">${s.nonfinite} NaN/Inf</b>` : "";
    return `<span class="num">${values(s)}</span>${bad} <span class="shape">${shape(s)}</span>${hist(s, cls)}`;
  }
  const gname = (i) => "d" + N[i].name;

  // ------------------------------------------------------------------ views
  function el(id) {
    return svg ? svg.getElementById(id) : null;
  }
  function showView(k) {
    if (k === view) return;
    view = k;
    graph.innerHTML = $("svg" + k).textContent;
    svg = graph.querySelector("svg");
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    const b = svg.viewBox.baseVal;
    full = { x: b.x, y: b.y, w: b.width, h: b.height };
    setBox(full);
    crumbs();
    applyCollapse();
    applyHeat();
    applyStep();
  }
  function crumbs() {
    const parts = [];
    for (let k = view; k !== null && k !== undefined; k = V[k].parent) parts.unshift(k);
    $("crumbs").innerHTML = parts.length < 2 ? "" : parts.map((k) =>
      k === view ? `<b>${esc(V[k].scope || "graph")}</b>` : `<a href="#" data-view="${k}">${esc(V[k].scope || "graph")}</a>`
    ).join(" › ");
  }
  $("crumbs").addEventListener("click", (e) => {
    const a = e.target.closest("a[data-view]");
    if (a) { e.preventDefault(); showView(Number(a.dataset.view)); }
  });

  // ------------------------------------------------------------------ pan and zoom
  function setBox(b) {
    vb = b;
    svg.setAttribute("viewBox", `${b.x} ${b.y} ${b.w} ${b.h}`);
  }
  function toSvg(cx, cy) {
    const p = new DOMPoint(cx, cy).matrixTransform(svg.getScreenCTM().inverse());
    return { x: p.x, y: p.y };
  }
  graph.addEventListener("wheel", (e) => {
    if (!svg) return;
    e.preventDefault();
    const f = Math.exp(Math.max(-1, Math.min(1, e.deltaY * 0.0015)));
    const p = toSvg(e.clientX, e.clientY);
    setBox({ x: p.x - (p.x - vb.x) * f, y: p.y - (p.y - vb.y) * f, w: vb.w * f, h: vb.h * f });
  }, { passive: false });
  let drag = null;
  graph.addEventListener("pointerdown", (e) => {
    if (svg) drag = { x: e.clientX, y: e.clientY, box: vb, scale: svg.getScreenCTM().a, moved: false };
  });
  window.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (drag.moved) setBox({ ...drag.box, x: drag.box.x - dx / drag.scale, y: drag.box.y - dy / drag.scale });
  });
  window.addEventListener("pointerup", () => { setTimeout(() => { drag = null; }, 0); });
  $("fit").addEventListener("click", () => setBox(full));
  function center(id) {
    const e = el(id);
    if (!e || e.style.display === "none") return;
    const r = e.getBoundingClientRect();
    const p = toSvg(r.x + r.width / 2, r.y + r.height / 2);
    const w = Math.min(vb.w, Math.max(full.w / 2, 600)), h = (w * vb.h) / vb.w;
    setBox({ x: p.x - w / 2, y: p.y - h / 2, w: w, h: h });
  }

  // ------------------------------------------------------------------ collapse and expand
  function show(id, on) {
    const e = el(id);
    if (e) e.style.display = on ? "" : "none";
  }
  function ownerOf(id) {
    return /^[to]\d+$/.test(id) ? owner.get(Number(id.slice(1))) : undefined;
  }
  function applyCollapse() {
    const v = V[view], cs = collapsed[view];
    svg.querySelectorAll(".fold").forEach((e) => e.remove());
    const inner = new Set();
    for (const c of cs) for (const s of v.clusters[c].subs) inner.add(s);
    owner = new Map();
    for (const c of cs) if (!inner.has(c)) for (const n of v.clusters[c].nodes) owner.set(n, c);
    for (const c in v.clusters) show(c, !inner.has(c));
    for (const n of v.members) {
      show("t" + n, !owner.has(n));
      if (N[n].op) show("o" + n, !owner.has(n));
    }
    for (const [id, a, b] of v.edges) {
      const ca = ownerOf(a);
      show(id, !(ca && ca === ownerOf(b)));
    }
    const top = svg.querySelector("g.graph");
    for (const c of cs) {
      if (inner.has(c)) continue;
      const box = el(c).getBBox(), info = v.clusters[c];
      const g = document.createElementNS("http://www.w3.org/2000/svg", "g");
      g.setAttribute("class", "fold");
      g.setAttribute("id", "fold-" + c);
      g.dataset.cluster = c;
      g.innerHTML = `<rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" rx="6"></rect>` +
        `<text x="${box.x + box.width / 2}" y="${box.y + box.height / 2}" text-anchor="middle">` +
        `${esc(info.label)} ▸</text><text class="small" x="${box.x + box.width / 2}" ` +
        `y="${box.y + box.height / 2 + 14}" text-anchor="middle">${info.nodes.length} tensors: click to expand</text>`;
      top.appendChild(g);
    }
    applyStep();
  }
  function toggle(c) {
    const cs = collapsed[view];
    if (cs.has(c)) cs.delete(c); else cs.add(c);
    applyCollapse();
  }
  function reveal(i) {
    showView(N[i].view);
    const v = V[view];
    let changed = false;
    for (const c of [...collapsed[view]]) if (v.clusters[c].nodes.includes(i)) { collapsed[view].delete(c); changed = true; }
    if (changed) applyCollapse();
  }

  // ------------------------------------------------------------------ details
  function select(id) {
    if (selected) { const e = el(selected); if (e) e.classList.remove("selected"); }
    selected = id;
    const e = el(id);
    if (e) e.classList.add("selected");
  }
  function tensorPanel(i) {
    const n = N[i];
    let h = `<h2>${esc(n.name)}</h2><p class="meta">${n.role} · ${shape(n.value)} · ${n.dtype}` +
      (n.scope ? ` · ${esc(n.scope)}` : "") + "</p>";
    h += `<h3>values</h3><p class="values">${summary(n.value, "v")}</p>`;
    if (n.grad) h += `<h3>gradient ${esc(gname(i))}</h3><p class="grad">${summary(n.grad, "g")}</p>`;
    else if (n.grad === null) h += "<h3>gradient</h3><p>no gradient reaches it</p>";
    if (n.op) h += `<p>made by <a href="#" data-op="${i}">${esc(n.op)}</a> from ` +
      n.parents.map((p) => `<a href="#" data-tensor="${p}">${esc(N[p].name)}</a>`).join(", ") + "</p>";
    return h;
  }
  function opPanel(i) {
    const n = N[i];
    let h = `<h2>op ${esc(n.op)}</h2><p class="formula">${esc(n.name)} = ${esc(n.op)}(` +
      n.parents.map((p) => `<a href="#" data-tensor="${p}">${esc(N[p].name)}</a>`).join(", ") + ")</p>";
    h += `<h3>derivative rule</h3><p><code class="rule">${esc(n.rule || "(not given)")}</code></p>`;
    if (n.attrs.length) h += `<h3>attributes</h3><p>${n.attrs.map(esc).join("<br>")}</p>`;
    if (stepOf.has(i)) h += `<p><a href="#" data-step="${stepOf.get(i) + 1}">its backward step (${stepOf.get(i) + 1})</a></p>`;
    return h;
  }
  panel.addEventListener("click", (e) => {
    const a = e.target.closest("a");
    if (!a) return;
    e.preventDefault();
    if (a.dataset.tensor) goTo(Number(a.dataset.tensor));
    else if (a.dataset.op) { reveal(Number(a.dataset.op)); select("o" + a.dataset.op); panel.innerHTML = opPanel(Number(a.dataset.op)); }
    else if (a.dataset.step) setStep(Number(a.dataset.step));
  });
  function goTo(i) {
    reveal(i);
    center("t" + i);
    select("t" + i);
    panel.innerHTML = tensorPanel(i);
  }

  graph.addEventListener("click", (e) => {
    if (drag && drag.moved) return;
    const fold = e.target.closest("g.fold");
    if (fold) { toggle(fold.dataset.cluster); return; }
    const g = e.target.closest("g.node, g.cluster");
    if (!g) return;
    const id = g.id, k = Number(id.slice(1));
    if (g.classList.contains("cluster")) toggle(id);
    else if (id[0] === "t") { select(id); panel.innerHTML = tensorPanel(k); }
    else if (id[0] === "o") { select(id); panel.innerHTML = opPanel(k); }
    else if (id[0] === "b") showView(V[view].boxes[id]);
    else if (id[0] === "x") goTo(V[view].stubs[id]);
  });

  // ------------------------------------------------------------------ search
  const search = $("search"), matches = $("matches");
  function found() {
    const q = search.value.trim().toLowerCase();
    if (!q) return [];
    const exact = [], part = [];
    N.forEach((n, i) => {
      const name = n.name.toLowerCase();
      if (name === q) exact.push(i); else if (name.includes(q)) part.push(i);
    });
    return exact.concat(part);
  }
  search.addEventListener("input", () => {
    const hits = found();
    matches.innerHTML = !search.value.trim() ? "" : hits.length === 0 ? "no match" :
      hits.slice(0, 8).map((i) => `<a href="#" data-tensor="${i}">${esc(N[i].name)}</a>`).join(" ") +
      (hits.length > 8 ? ` … ${hits.length - 8} more` : "");
  });
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { const hits = found(); if (hits.length) goTo(hits[0]); }
  });
  matches.addEventListener("click", (e) => {
    const a = e.target.closest("a[data-tensor]");
    if (a) { e.preventDefault(); goTo(Number(a.dataset.tensor)); }
  });

  // ------------------------------------------------------------------ heat map
  const size = (s) => s.shape.reduce((a, b) => a * b, 1);
  const rms = N.map((n) => (n.grad && typeof norm(n.grad) === "number" ? norm(n.grad) / Math.sqrt(size(n.grad)) : null));
  const logs = rms.filter((r) => r > 0).map(Math.log10);
  const lo = logs.length ? Math.min(...logs) : 0, hi = logs.length ? Math.max(...logs, lo + 2) : 1;
  function heatColour(i) {
    const n = N[i];
    if (!n.grad) return "#ffffff";
    if (n.grad.nonfinite) return "#ba68c8";
    if (!(rms[i] > 0)) return "#bdbdbd";
    const t = (Math.log10(rms[i]) - lo) / (hi - lo);
    return HEAT[Math.max(0, Math.min(HEAT.length - 1, Math.round(t * (HEAT.length - 1))))];
  }
  function applyHeat() {
    if (!svg) return;
    for (const i of V[view].members) {
      const shapeEl = el("t" + i) && el("t" + i).querySelector("path, polygon");
      if (shapeEl) shapeEl.style.fill = heat ? heatColour(i) : "";
    }
    $("heat").setAttribute("aria-pressed", String(heat));
    document.body.classList.toggle("heat", heat);
  }
  $("heat").addEventListener("click", () => { heat = !heat; applyHeat(); });
  if (!logs.length) $("heat").disabled = true;

  // ------------------------------------------------------------------ the backward stepper
  function mark(id, cls) {
    let e = el(id);
    if (!e) return;
    const c = ownerOf(id);
    if (c && el("fold-" + c)) e = el("fold-" + c);
    e.classList.add(cls);
  }
  function stepPanel(k) {
    const s = S[k - 1], n = N[s.node];
    let h = `<h2>backward step ${k} of ${S.length}</h2>`;
    h += `<p class="formula">VJP of <b class="op">${esc(n.op)}</b>: <span class="out">${esc(n.name)}</span> = ` +
      `${esc(n.op)}(${n.parents.map((p) => esc(N[p].name)).join(", ")})</p>`;
    h += `<p>rule: <code class="rule">${esc(n.rule || "(not given)")}</code></p>`;
    h += `<p class="recv">receives <b>${esc(gname(s.node))}</b> = ${summary(s.g, "g")}</p><h3>sends</h3>`;
    const count = new Map();
    for (const t of S.slice(0, k - 1)) for (const x of t.sends) count.set(x.to, (count.get(x.to) || 0) + 1);
    for (const x of s.sends) {
      const nth = (count.get(x.to) || 0) + 1;
      count.set(x.to, nth);
      h += `<div class="send" data-to="${x.to}"><b>${esc(gname(x.to))}</b> ${nth > 1 ? "+=" : "="} ` +
        `${summary(x.g, "g")} <span class="why">(input ${x.input}, ${esc(N[x.to].name)})</span>`;
      if (x.total) h += `<div class="total">${esc(gname(x.to))} so far (contribution ${nth}) = ${summary(x.total, "g")}</div>`;
      h += "</div>";
    }
    return h;
  }
  function applyStep() {
    if (!svg) return;
    svg.querySelectorAll(".vjp, .recv, .send, .dest, .done").forEach((e) => e.classList.remove("vjp", "recv", "send", "dest", "done"));
    for (let k = 0; k < step - 1; k++) mark("o" + S[k].node, "done");
    if (step === 0) return;
    const s = S[step - 1];
    mark("o" + s.node, "vjp");
    mark("t" + s.node, "recv");
    mark("r" + s.node, "recv");
    for (const x of s.sends) {
      mark(`e${s.node}_${x.input}`, "send");
      mark("t" + x.to, "dest");
      mark("x" + x.to, "dest");
    }
  }
  function setStep(k) {
    step = Math.max(0, Math.min(S.length, k));
    slider.value = String(step);
    $("stepinfo").textContent = S.length ? `backward step ${step} / ${S.length}` : "no backward pass recorded";
    if (step > 0) {
      const n = S[step - 1].node;
      showView(N[n].view);
      panel.innerHTML = stepPanel(step);
    }
    applyStep();
    const on = svg && svg.querySelector(".vjp");
    if (on) {  // keep the running op in sight
      const r = on.getBoundingClientRect(), g = graph.getBoundingClientRect();
      if (r.right < g.left || r.left > g.right || r.bottom < g.top || r.top > g.bottom) center(on.id);
    }
  }
  slider.max = String(S.length);
  slider.addEventListener("input", () => setStep(Number(slider.value)));
  $("prev").addEventListener("click", () => setStep(step - 1));
  $("next").addEventListener("click", () => setStep(step + 1));
  document.addEventListener("keydown", (e) => {
    if (e.target === search || e.target === slider) return;  // the slider moves itself
    if (e.key === "ArrowRight") setStep(step + 1);
    if (e.key === "ArrowLeft") setStep(step - 1);
  });

  showView(0);
  setStep(0);
  document.body.dataset.ready = "true";
})();
