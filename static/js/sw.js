/* Carte Commune service worker: workshop entry screens and kiosks keep working without a network.
   It only acts on the workshop pages, their assets and the map tiles the page stored beforehand;
   every other request goes to the network untouched. Writes are never cached (the page queues them). */
"use strict";
var SHELL = "cc-shell-v1";
var TILES = "cc-tiles-v1";
var PAGES = /^\/(ateliers\/\d+\/saisie|borne)\/?$/;
var ASSETS = /^\/(static|vendor)\//;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return /^cc-/.test(n) && n !== SHELL && n !== TILES; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

/* Pages: the network when there is one; else the copy the page stored when it was prepared. */
function networkFirst(request) {
  return fetch(request).catch(function () {
    // ignoreVary: the copy is this tablet's own, in the language it was prepared in (pages vary on
    // Accept-Language and Cookie, which a navigation and the preparing fetch do not carry alike).
    return caches.match(request, { ignoreSearch: true, ignoreVary: true }).then(function (hit) {
      return hit || new Response("<!doctype html><meta charset=utf-8><title>Hors ligne</title>" +
        "<p>Hors ligne : cette page n'a pas été préparée sur cette tablette.</p>",
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
