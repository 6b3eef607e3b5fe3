// htag.js: the browser half of HTag. Event delegation (no inline handlers, so a strict CSP holds),
// interactions over a WebSocket (or POST in http-only mode), optional AES-256-GCM payloads (parano),
// changed elements morphed in place with idiomorph (bundled before this file). Wire format: docs/protocol.md.
(() => {
  "use strict";
  const me = document.currentScript;
  const nonce = (me && me.nonce) || "";
  const root = document.documentElement;
  const app = root.dataset.htagApp || location.pathname;
  const httpOnly = root.hasAttribute("data-htag-http-only");
  let instance = root.dataset.htagInstance || "";
  const listening = new Set();
  const queue = [];
  // Exactly-once interactions: each is numbered within this page load and kept until the server acknowledges
  // it. A socket can die with one in flight (sent, but not yet run, or run but its answer lost): after the
  // reconnect's resync those are sent again, and the server skips the numbers it already ran.
  const page = Math.random().toString(36).slice(2) + Date.now().toString(36);
  const unacked = [];
  let numbered = 0;
  let ws = null, attempts = 0, everOpen = false, replaced = false, retry = 0, retrySoon = false;
  // After a reconnect, interactions wait for the resync answer: they are sent if the instance is the
  // same, dropped if it changed (their element ids belonged to the lost instance).
  let resyncPending = false;

  // ---- parano: AES-256-GCM, key per instance, sequence numbers both ways -------------------------
  const keyB64 = root.getAttribute("data-htag-key");
  root.removeAttribute("data-htag-key");
  const parano = keyB64 ? { key: null, sendSeq: 0, recvSeq: 0, aad: "" } : null;
  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)));
  const unb64 = (s) => Uint8Array.from(atob(s), c => c.charCodeAt(0));
  async function paranoKey() {
    if (!parano.key) parano.key = await crypto.subtle.importKey("raw", unb64(keyB64), "AES-GCM", false, ["encrypt", "decrypt"]);
    return parano.key;
  }
  async function seal(msg) {
    msg.seq = ++parano.sendSeq;
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = new TextEncoder().encode(JSON.stringify(msg));
    const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode("c2s:" + parano.aad) }, await paranoKey(), data);
    const out = new Uint8Array(12 + ct.byteLength);
    out.set(iv, 0); out.set(new Uint8Array(ct), 12);
    return { p: b64(out) };
  }
  async function open(msg) {
    if (!msg.p) return msg.reload || msg.err ? msg : null; // only these travel in clear (no key known yet)
    const raw = unb64(msg.p);
    const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: raw.slice(0, 12), additionalData: new TextEncoder().encode("s2c:" + parano.aad) }, await paranoKey(), raw.slice(12));
    const inner = JSON.parse(new TextDecoder().decode(pt));
    if (!(inner.seq > parano.recvSeq)) throw new Error("replayed message");
    parano.recvSeq = inner.seq;
    return inner;
  }

  // Messages go out strictly in order, even though sealing is asynchronous.
  let outChain = Promise.resolve();
  function send(msg) {
    // Another page of this user replaced our instance: reload (with our own query) on the user's next action.
    if (replaced) { location.reload(); return; }
    outChain = outChain.then(async () => {
      if (httpOnly) return post(msg);
      if (msg.n === undefined) msg.n = ++numbered;
      if (usable() && !resyncPending) { unacked.push(msg); ws.send(JSON.stringify(parano ? await seal(msg) : msg)); }
      else { queue.push(msg); reconnectNow(); }
    }).catch(e => console.error("htag:", e));
  }

  const usable = () => !!ws && ws.readyState === 1 && (!parano || !!parano.aad);

  // Sends now, bypassing the queue (the resync request itself).
  function sendNow(msg) {
    outChain = outChain.then(async () => {
      if (usable()) ws.send(JSON.stringify(parano ? await seal(msg) : msg));
    }).catch(e => console.error("htag:", e));
  }

  // Unacknowledged ones first: they were sent before anything still queued.
  function flush() {
    const pending = unacked.splice(0).concat(queue.splice(0));
    for (const m of pending) send(m);
  }

  // The connection can carry messages (open; in parano mode, after the handshake).
  function ready() {
    if (resyncPending) sendNow({ hello: instance });
    else flush();
  }

  async function post(msg) {
    const url = "/_htag/post?app=" + encodeURIComponent(app) + "&i=" + encodeURIComponent(instance);
    if (parano) parano.aad = instance + ":post";
    const body = JSON.stringify(parano ? await seal(msg) : msg);
    const r = await fetch(url, { method: "POST", body, headers: { "Content-Type": "application/json" }, credentials: "same-origin" });
    const reply = await r.json();
    await receive(reply);
  }

  // ---- events ------------------------------------------------------------------------------------
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

  // ---- applying server messages ------------------------------------------------------------------
  function runJs(code) {
    const s = document.createElement("script");
    s.nonce = nonce;
    s.textContent = code;
    document.head.appendChild(s);
    s.remove();
  }

  const hasStatic = (key) => !!document.querySelector('[data-htag-static="' + key + '"]');
  function addStatic(key, el) { el.setAttribute("data-htag-static", key); document.head.appendChild(el); }

  function morph(el, html) {
    if (!window.Idiomorph) { el.outerHTML = html; return; }
    // An app whose root is <body>: Idiomorph's string parsing keeps only a body's children, so give it the parsed body.
    const content = /^<body[\s>]/i.test(html) ? new DOMParser().parseFromString(html, "text/html").body : html;
    window.Idiomorph.morph(el, content, { morphStyle: "outerHTML", ignoreActiveValue: true, restoreFocus: true });
  }

  function apply(msg) {
    if (msg.reload) { location.reload(); return; }
    if (msg.ack != null) while (unacked.length && unacked[0].n <= msg.ack) unacked.shift();
    if (msg.instance && msg.root != null) {
      // The resync answer: the current state of our instance, or (process restarted, instance lost) a
      // fresh instance given on this socket.
      const same = msg.instance === instance;
      if (resyncPending || !same) {
        resyncPending = false;
        if (same) flush();
        else if (queue.length + unacked.length) {
          console.warn("htag: the app restarted; " + (queue.length + unacked.length) + " interaction(s) dropped");
          queue.length = 0; unacked.length = 0;
        }
      }
      instance = msg.instance;
      root.dataset.htagInstance = instance;
      const target = /^<body[\s>]/i.test(msg.root) ? document.body : document.body.firstElementChild;
      if (target) { morph(target, msg.root); listen(document.body); }
    }
    if (msg.update) for (const id in msg.update) {
      const el = document.getElementById(id);
      if (!el) continue;
      morph(el, msg.update[id]);
      const now = document.getElementById(id);
      if (now) listen(now);
    }
    if (msg.title != null) document.title = msg.title;
    if (msg.js) for (const code of msg.js) runJs(code);
    if (msg.err) error(msg.err);
  }

  // ---- errors the user sees ----------------------------------------------------------------------
  // htag's rule: the page's own window.error(text) when it defines one (htagweb's example sets window.error=alert),
  // else the console. With HTAG_DEBUG the page also shows them in a dismissible overlay (stack traces included).
  const debug = root.hasAttribute("data-htag-debug");
  function error(text) {
    if (typeof window.error === "function") {
      try { window.error(text); } catch (e) { console.error("htag: window.error threw", e); }
    } else console.error("htag:", text);
    if (debug) overlay(text);
  }
  function overlay(text, id = "htag-error-overlay", heading = "HTag error (HTAG_DEBUG)") {
    let box = document.getElementById(id);
    if (!box) {
      // Styled through the CSSOM (el.style), which the strict CSP allows; the text is text, never markup.
      box = document.createElement("div");
      box.id = id;
      box.setAttribute("role", "alertdialog");
      Object.assign(box.style, { position: "fixed", left: "1rem", right: "1rem", bottom: "1rem", maxHeight: "60vh", overflow: "auto",
        background: "#fff5f5", color: "#600", border: "2px solid #c00", borderRadius: "6px", padding: ".8rem", zIndex: "2147483647",
        font: "13px/1.4 ui-monospace,monospace", boxShadow: "0 4px 24px rgba(0,0,0,.3)" });
      const close = document.createElement("button");
      close.className = "htag-error-close";
      close.textContent = "\u00d7 dismiss";
      Object.assign(close.style, { float: "right", cursor: "pointer" });
      close.addEventListener("click", () => box.remove());
      const title = document.createElement("strong");
      title.textContent = heading;
      box.append(close, title);
      document.body.appendChild(box);
    }
    const pre = document.createElement("pre");
    pre.className = "htag-error";
    Object.assign(pre.style, { whiteSpace: "pre-wrap", margin: ".5rem 0 0" });
    pre.textContent = text;
    box.appendChild(pre);
  }

  // `make dev` (the router's --dev, router/Dev/DevChannel.cs, which sets the htagdev cookie): the router tells debug
  // pages when a new build serves (reload at once, not after a reconnect backoff) and when a build failed (its errors
  // in the overlay).
  function devChannel() {
    if (!debug || typeof EventSource !== "function" || !/(^|;\s*)htagdev=1(;|$)/.test(document.cookie)) return;
    const events = new EventSource("/_htagdev/events");
    let version = null;
    events.addEventListener("version", (ev) => {
      if (version !== null && ev.data !== version) { events.close(); location.reload(); return; }
      version = ev.data;
    });
    events.addEventListener("failed", (ev) => overlay("build failed:\n" + JSON.parse(ev.data)));
  }

  let inChain = Promise.resolve();
  function receive(raw) {
    inChain = inChain.then(async () => {
      const msg = parano ? await open(raw) : raw;
      if (msg && msg.conn !== undefined) { // parano handshake: binds this connection's messages
        parano.aad = instance + ":" + msg.conn;
        parano.sendSeq = 0;
        ready();
        return;
      }
      if (msg) apply(msg);
    }).catch(e => console.error("htag: rejected message", e));
    return inChain;
  }

  // ---- connection --------------------------------------------------------------------------------
  function connect() {
    retry = 0;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const url = proto + "//" + location.host + "/_htag/ws?app=" + encodeURIComponent(app) + "&i=" + encodeURIComponent(instance) +
      "&q=" + encodeURIComponent(location.search) + "&u=" + encodeURIComponent(location.pathname) + "&p=" + page;
    const sock = new WebSocket(url);
    ws = sock;
    if (parano) { parano.aad = ""; parano.recvSeq = 0; }
    sock.onopen = () => {
      attempts = 0;
      retrySoon = false;
      document.body.classList.remove("htag-offline", "htagoff");
      // After a reconnect, ask for a resync: the server re-renders, gives us a new instance, or tells us to reload.
      resyncPending = everOpen;
      everOpen = true;
      if (!parano) ready();
    };
    sock.onmessage = (m) => receive(JSON.parse(m.data));
    sock.onclose = (ev) => {
      if (ws !== sock) return;
      ws = null;
      document.body.classList.add("htag-offline", "htagoff"); // htagoff: htag's own name, for CSS ported from it
      if (ev.code === 4001) { replaced = true; return; }
      // Capped, jittered exponential backoff: 100 ms, 200 ms … at most 5 s.
      const cap = Math.min(5000, 100 * Math.pow(2, attempts++));
      retry = setTimeout(connect, retrySoon ? 0 : cap / 2 + Math.random() * cap / 2);
      retrySoon = false;
    };
  }

  // The backoff can have grown to seconds while the network or server was away: when there is reason to
  // think it is back (network online, tab visible again, the user acts), try at once instead of waiting.
  function reconnectNow() {
    if (httpOnly || replaced) return;
    if (ws) { if (ws.readyState === 0) retrySoon = true; return; } // an attempt begun before (say, offline): retry after it
    if (!retry) return;
    clearTimeout(retry);
    retry = 0;
    connect();
  }
  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") reconnectNow(); });

  // An exposed server method (Tag.Expose): JSON arguments in, its result out; the changes it made are applied
  // like a handler's. Rejects with the server's error (bad arguments, the method threw, too big, timed out).
  async function call(name, ...args) {
    const url = "/_htag/call?app=" + encodeURIComponent(app) + "&i=" + encodeURIComponent(instance) + "&name=" + encodeURIComponent(name);
    const r = await fetch(url, { method: "POST", body: JSON.stringify(args), headers: { "Content-Type": "application/json" }, credentials: "same-origin" });
    let msg = null;
    try { msg = await r.json(); } catch (e) { /* not JSON: the status says it */ }
    if (!msg) throw new Error("htag.call " + name + ": HTTP " + r.status);
    // The caller's promise rejects with the error: it is theirs to show, not window.error's.
    const { result, err, ...changes } = msg;
    apply(changes);
    if (err || !r.ok) throw new Error(err || "htag.call " + name + ": HTTP " + r.status);
    return result;
  }

  // Files picked in an input bound with Tag.OnUpload: each one streamed as the body of its own POST (not over
  // the WebSocket), one after the other; the replies are applied like a handler's. A refusal from anywhere on the way
  // (the ingress's own 413 page, the router's, this server's JSON) is the upload's error: see uploadFailed.
  async function upload(el) {
    for (const file of Array.from(el.files || [])) {
      const url = "/_htag/upload?app=" + encodeURIComponent(app) + "&i=" + encodeURIComponent(instance) +
        "&id=" + encodeURIComponent(el.id) + "&name=" + encodeURIComponent(file.name);
      let r;
      try {
        r = await fetch(url, { method: "POST", body: file, headers: { "Content-Type": file.type || "application/octet-stream" }, credentials: "same-origin" });
      } catch (e) {
        uploadFailed(el, file.name, 0, "'" + file.name + "' was not uploaded: the connection failed");
        continue;
      }
      let msg = null;
      try { msg = await r.json(); } catch (e) { /* not JSON: an ingress's or proxy's own page */ }
      if (r.ok && msg) { apply(msg); continue; }
      const { err, ...changes } = msg || {};
      if (msg) apply(changes);
      uploadFailed(el, file.name, r.status, err || uploadReason(file.name, r.status));
    }
  }
  function uploadReason(name, status) {
    if (status === 413) return "'" + name + "' is too large for the server (HTTP 413)";
    if (status === 503 || status === 504) return "'" + name + "' took too long to upload (HTTP " + status + ")";
    return "'" + name + "' was not uploaded (HTTP " + status + ")";
  }
  // The app's Tag.OnUploadError gets it when it has one; else the page's window.error (htag's rule), else a visible box.
  function uploadFailed(el, name, status, reason) {
    const field = el.id && document.getElementById(el.id);
    if (field && handles(field, "htaguploaderror")) {
      send({ id: field.id, ev: "htaguploaderror", data: { name, status: String(status), reason } });
      return;
    }
    if (typeof window.error === "function") { error(reason); return; }
    console.error("htag:", reason);
    overlay(reason, "htag-upload-error", "Upload failed");
  }
  document.addEventListener("change", (ev) => {
    const el = ev.target;
    if (el && el.matches && el.matches("input[type=file][data-htag-upload]") && el.id)
      upload(el).catch(e => console.error("htag: upload", e)).finally(() => { el.value = ""; });
  }, true);

  window.htag = {
    send, apply, call,
    get connected() { return httpOnly || (usable() && !resyncPending); },
    css(key, text) { if (!hasStatic(key)) { const s = document.createElement("style"); s.nonce = nonce; s.textContent = text; addStatic(key, s); } },
    link(key, href) { if (!hasStatic(key)) { const l = document.createElement("link"); l.rel = "stylesheet"; l.href = href; addStatic(key, l); } },
    script(key, src) { if (!hasStatic(key)) { const s = document.createElement("script"); s.nonce = nonce; s.src = src; addStatic(key, s); } },
    once(key) { if (hasStatic(key)) return false; addStatic(key, document.createElement("meta")); return true; },
  };

  function start() {
    listen(document.documentElement);
    const init = document.getElementById("htag-init");
    if (init) for (const code of JSON.parse(init.textContent)) runJs(code);
    if (!httpOnly) connect();
    devChannel();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
