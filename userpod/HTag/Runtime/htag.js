// htag.js: the browser half of HTag. Event delegation (no inline handlers, so a strict CSP holds),
// interactions over a WebSocket, DOM updates applied in place. Wire format: docs/protocol.md.
(() => {
  "use strict";
  const me = document.currentScript;
  const nonce = (me && me.nonce) || "";
  const root = document.documentElement;
  const app = root.dataset.htagApp || location.pathname;
  let instance = root.dataset.htagInstance || "";
  const listening = new Set();
  const queue = [];
  let ws = null, attempts = 0, everOpen = false;

  function send(msg) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg));
    else queue.push(msg);
  }

  // A browser-evaluated argument is a property path from this/event/window: evaluated without eval().
  function evalPath(path, el, ev) {
    const parts = path.split(".");
    let v = parts[0] === "this" ? el : parts[0] === "event" ? ev : window;
    for (let i = 1; i < parts.length && v != null; i++) v = v[parts[i]];
    return v == null || typeof v === "number" || typeof v === "boolean" || typeof v === "string" ? v : String(v);
  }

  function eventData(ev, el) {
    const data = {};
    for (const k in ev) {
      if (k[0] < "a" || k[0] > "z") continue;
      const v = ev[k];
      if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") data[k] = v;
    }
    if ("value" in el && typeof el.value === "string") data.value = el.value;
    if ("checked" in el && typeof el.checked === "boolean") data.checked = el.checked;
    if (ev.type === "submit" && el.tagName === "FORM") {
      for (const [k, v] of new FormData(el)) if (typeof v === "string") data[k] = v;
    }
    return data;
  }

  function handles(el, type) {
    const on = el.getAttribute && el.getAttribute("data-htag-on");
    return !!on && on.split(" ").includes(type);
  }

  function onEvent(ev) {
    let el = ev.target && ev.target.nodeType === 1 ? ev.target : ev.target && ev.target.parentElement;
    if (ev.bubbles) { while (el && !handles(el, ev.type)) el = el.parentElement; }
    else if (el && !handles(el, ev.type)) el = null;
    if (!el || !el.id) return;
    if (ev.type === "submit") ev.preventDefault();
    const argsAttr = el.getAttribute("data-htag-args-" + ev.type);
    const args = argsAttr ? JSON.parse(argsAttr).map(p => evalPath(p, el, ev)) : undefined;
    send({ id: el.id, ev: ev.type, data: eventData(ev, el), args });
  }

  function listen(scope) {
    const els = scope.querySelectorAll ? scope.querySelectorAll("[data-htag-on]") : [];
    const all = scope.getAttribute && scope.getAttribute("data-htag-on") ? [scope, ...els] : els;
    for (const el of all) for (const t of el.getAttribute("data-htag-on").split(" ")) {
      if (t && !listening.has(t)) { listening.add(t); document.addEventListener(t, onEvent, true); }
    }
  }

  function runJs(code) {
    const s = document.createElement("script");
    s.nonce = nonce;
    s.textContent = code;
    document.head.appendChild(s);
    s.remove();
  }

  function morph(el, html) {
    if (window.Idiomorph) window.Idiomorph.morph(el, html, { morphStyle: "outerHTML" });
    else el.outerHTML = html;
  }

  function apply(msg) {
    if (msg.reload) { location.reload(); return; }
    if (msg.instance) instance = msg.instance;
    if (msg.update) for (const id in msg.update) {
      const el = document.getElementById(id);
      if (!el) continue;
      morph(el, msg.update[id]);
      const now = document.getElementById(id);
      if (now) listen(now);
    }
    if (msg.title != null) document.title = msg.title;
    if (msg.js) for (const code of msg.js) runJs(code);
    if (msg.err) console.error("htag:", msg.err);
  }

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const url = proto + "//" + location.host + "/_htag/ws?app=" + encodeURIComponent(app) + "&i=" + encodeURIComponent(instance);
    ws = new WebSocket(url);
    ws.onopen = () => {
      attempts = 0;
      document.body.classList.remove("htag-offline");
      // After a reconnect, ask for a resync: the server re-renders, or tells us to reload if the instance changed.
      if (everOpen) ws.send(JSON.stringify({ hello: instance }));
      everOpen = true;
      while (queue.length) ws.send(JSON.stringify(queue.shift()));
    };
    ws.onmessage = (m) => apply(JSON.parse(m.data));
    ws.onclose = () => {
      ws = null;
      document.body.classList.add("htag-offline");
      // Capped, jittered exponential backoff: 100 ms, 200 ms … at most 5 s.
      const cap = Math.min(5000, 100 * Math.pow(2, attempts++));
      setTimeout(connect, cap / 2 + Math.random() * cap / 2);
    };
  }

  window.htag = { send, apply, get connected() { return !!ws && ws.readyState === 1; } };
  listen(document.documentElement);
  connect();
})();
