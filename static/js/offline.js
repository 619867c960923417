/* Offline workshops (entry screen and kiosk): the service worker, the « prêt hors ligne » preparation,
 and the outbox of entries made without a network (IndexedDB), sent with an Idempotency-Key when the
 network returns. A participant's contact stays on the device only until its entry is sent. */
import { newKey as freshKey, request } from "./api.js";

var DB_NAME = "carte-commune", STORE = "outbox", SHELL = "cc-shell-v1", TILES = "cc-tiles-v1";

function openDb() {
  return new Promise(function (resolve, reject) {
    var request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = function () {
      request.result.createObjectStore(STORE, { keyPath: "key" });
    };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });
}
function tx(mode, work) {
  return openDb().then(function (db) {
    return new Promise(function (resolve, reject) {
      var t = db.transaction(STORE, mode), result;
      t.oncomplete = function () { db.close(); resolve(result); };
      t.onerror = function () { db.close(); reject(t.error); };
      result = work(t.objectStore(STORE));
    });
  });
}
function all(scope) {
  return openDb().then(function (db) {
    return new Promise(function (resolve, reject) {
      var request = db.transaction(STORE).objectStore(STORE).getAll();
      request.onsuccess = function () {
        db.close();
        resolve(request.result.filter(function (item) { return !scope || item.scope === scope; })
          .sort(function (a, b) { return a.created - b.created; }));
      };
      request.onerror = function () { db.close(); reject(request.error); };
    });
  });
}
export function newKey() { return freshKey("entry"); }

/* One outbox per page (scope = the API it posts to). */
export function Outbox(options) {
  this.url = options.url;
  this.form = Boolean(options.form);  // send as a form (the kiosk) rather than JSON
  this.onChange = options.onChange || function () {};
  this.onOutcome = options.onOutcome || function () {};
  this.syncing = false;
  this.inflight = {};  // keys the page is sending itself right now
  var self = this;
  window.addEventListener("online", function () { self.sync(); });
  window.addEventListener("offline", function () { self.refresh(); });
  setInterval(function () { if (navigator.onLine) { self.sync(); } }, 15000);
}
Outbox.prototype.pending = function () { return all(this.url); };
Outbox.prototype.refresh = function () {
  var self = this;
  return this.pending().then(function (items) { self.onChange(items.length, navigator.onLine); return items; });
};
/* Keep an entry (with its Idempotency-Key) until the server has answered it. */
Outbox.prototype.add = function (body) {
  var item = { key: newKey(), scope: this.url, body: body, created: Date.now() };
  return tx("readwrite", function (store) { store.put(item); }).then(function () { return item; });
};
Outbox.prototype.forget = function (key) {
  return tx("readwrite", function (store) { store.delete(key); });
};
/* Send one entry: "sent" (or replayed), "refused" (a 4xx: it will never pass as is) or "later". */
Outbox.prototype.send = function (item) {
  var self = this;
  var options = this.form
    ? { method: "POST", idempotencyKey: item.key, body: new URLSearchParams(item.body).toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded" } }
    : { method: "POST", idempotencyKey: item.key, json: item.body };
  return request(this.url, options).then(function (response) {
    return response.json().catch(function () { return {}; }).then(function (json) {
      if (response.ok) { return { state: "sent", result: json }; }
      if (response.status >= 400 && response.status < 500 && [408, 409, 429].indexOf(response.status) < 0) {
        return { state: "refused", error: json.error || {} };
      }
      return { state: "later" };
    });
  }).catch(function () { return { state: "later" }; }).then(function (outcome) {
    if (outcome.state === "later") { return outcome; }
    // Answered: the entry (and any participant contact in it) leaves the device.
    return self.forget(item.key).then(function () { return outcome; });
  });
};
Outbox.prototype.sync = function () {
  var self = this;
  if (this.syncing) { return Promise.resolve(); }
  this.syncing = true;
  return this.pending().then(function (items) {
    var chain = Promise.resolve(true);
    items.filter(function (item) { return !self.inflight[item.key]; }).forEach(function (item) {
      chain = chain.then(function (goOn) {
        if (!goOn) { return false; }
        return self.send(item).then(function (outcome) {
          if (outcome.state === "later") { return false; }
          self.onOutcome(item, outcome);
          return true;
        });
      });
    });
    return chain;
  }).catch(function () { /* IndexedDB unavailable: nothing queued */ })
    .then(function () { self.syncing = false; return self.refresh(); });
};

/* Register the service worker and keep the page, its assets and the perimeter's tiles. */
export function prepare(manifestUrl, report) {
  if (!("serviceWorker" in navigator) || !window.caches) {
    report({ state: "unsupported" });
    return Promise.resolve();
  }
  report({ state: "preparing" });
  var assets = [];
  document.querySelectorAll("script[src], link[rel=stylesheet][href], link[rel=manifest][href]").forEach(function (el) {
    var url = new URL(el.src || el.href, location.href);
    if (url.origin === location.origin) { assets.push(url.pathname + url.search); }
  });
  // The ES modules the page imported (api.js, i18n.js…, at their fingerprinted URLs) and other assets.
  performance.getEntriesByType("resource").forEach(function (entry) {
    var url = new URL(entry.name);
    if (url.origin === location.origin && /^\/(static|vendor)\//.test(url.pathname) && assets.indexOf(url.pathname) < 0) {
      assets.push(url.pathname);
    }
  });
  return navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
    return fetch(manifestUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } });
  }).then(function (response) {
    if (!response.ok) { throw new Error("manifest " + response.status); }
    return response.json();
  }).then(function (manifest) {
    var urls = manifest.pages.concat(assets);
    return caches.open(SHELL).then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return fetch(url, { credentials: "same-origin" }).then(function (response) {
          if (!response.ok) { throw new Error(url + " " + response.status); }
          return cache.put(url, response.clone()).then(function () { return response.blob(); });
        }).then(function (blob) { return blob.size; });
      }));
    }).then(function (sizes) {
      return cacheTiles(manifest.tiles, report).then(function (tileBytes) {
        var bytes = sizes.reduce(function (a, b) { return a + b; }, 0) + tileBytes;
        var state = { state: "ready", bytes: bytes, tiles: manifest.tiles.length, at: Date.now() };
        try { localStorage.setItem("cc-offline-" + manifestUrl, JSON.stringify(state)); } catch (e) { /* private mode */ }
        report(state);
      });
    });
  }).catch(function () {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem("cc-offline-" + manifestUrl)); } catch (e) { /* none */ }
    report(saved && !navigator.onLine ? saved : { state: navigator.onLine ? "failed" : "offline" });
  });
}
function cacheTiles(urls, report) {
  var total = 0, done = 0, queue = urls.slice();
  return caches.open(TILES).then(function (cache) {
    function worker() {
      var url = queue.shift();
      if (!url) { return Promise.resolve(); }
      return cache.match(url).then(function (hit) {
        if (hit) { return hit.blob(); }
        return fetch(url, { mode: "cors", credentials: "omit" }).then(function (response) {
          if (!response.ok) { return null; }
          return cache.put(url, response.clone()).then(function () { return response.blob(); });
        });
      }).catch(function () { return null; }).then(function (blob) {
        total += blob ? blob.size : 0;
        done += 1;
        if (done % 20 === 0) { report({ state: "preparing", done: done, count: urls.length }); }
        return worker();
      });
    }
    return Promise.all([worker(), worker(), worker(), worker()]);
  }).then(function () { return total; });
}
export function size(bytes) {
  if (bytes < 1024 * 1024) { return Math.max(1, Math.round(bytes / 1024)) + " ko"; }
  return (bytes / 1024 / 1024).toFixed(1).replace(".", ",") + " Mo";
}
