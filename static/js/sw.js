/* Carte Commune service worker: workshop entry screens and kiosks keep working without a network.
   It only acts on the workshop pages, their assets and the map tiles the page stored beforehand;
   every other request goes to the network untouched. Writes are never cached (the page queues them). */
"use strict";
var SHELL = "cc-shell-v1";
var TILES = "cc-tiles-v1";
var PAGES = /^\/(ateliers\/\d+\/saisie|borne)\/?$/;
var ASSETS = /^\/(static|vendor)\//;
/* The page shown offline when none was stored, in each language of the site (filled in by the server
   from its catalogs when it serves this file); the device's language chooses, else the first one. */
var OFFLINE_TEXTS = /*OFFLINE_TEXTS*/[{ "lang": "fr", "dir": "ltr", "title": "Hors ligne", "text": "Hors ligne : cette page n'a pas été préparée sur cette tablette." }];

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
  });
}
function offlinePage() {
  var wanted = (self.navigator.language || "").slice(0, 2).toLowerCase();
  var chosen = OFFLINE_TEXTS.filter(function (entry) { return entry.lang === wanted; })[0] || OFFLINE_TEXTS[0];
  return "<!doctype html><html lang=\"" + escapeHtml(chosen.lang) + "\" dir=\"" + escapeHtml(chosen.dir) + "\">" +
    "<meta charset=utf-8><meta name=viewport content=\"width=device-width, initial-scale=1\">" +
    "<title>" + escapeHtml(chosen.title) + "</title><p>" + escapeHtml(chosen.text) + "</p></html>";
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return /^cc-/.test(n) && n !== SHELL && n !== TILES; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

/* Pages: the network when there is one; else the copy the page stored when it was prepared. Pages say
   which headers their language came from (Vary: Cookie, Accept-Language) for shared caches; this cache
   belongs to one tablet, so the stored copy is the one to show (ignoreVary). */
function networkFirst(request) {
  return fetch(request).catch(function () {
    // ignoreVary: the copy is this tablet's own, in the language it was prepared in (pages vary on
    // Accept-Language and Cookie, which a navigation and the preparing fetch do not carry alike).
    return caches.match(request, { ignoreSearch: true, ignoreVary: true }).then(function (hit) {
      return hit || new Response(offlinePage(),
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  });
}
function cacheFirst(request) {
  return caches.match(request).then(function (hit) {
    return hit || fetch(request);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin === self.location.origin) {
    if (request.mode === "navigate" && PAGES.test(url.pathname)) { event.respondWith(networkFirst(request)); return; }
    if (ASSETS.test(url.pathname)) { event.respondWith(cacheFirst(request)); return; }
    return;
  }
  // A map tile the page stored while online; any other request to another host is left alone.
  if (request.destination !== "image") { return; }
  event.respondWith(caches.open(TILES).then(function (cache) {
    return cache.match(request.url).then(function (hit) { return hit || fetch(request); });
  }));
});
