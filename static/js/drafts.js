/* Carte Commune: the idea being written stays on the phone (IndexedDB, photos included) until the
   server has answered it, across a reload or a lost network. One draft per consultation. */
const DB_NAME = "carte-commune-drafts";
const STORE = "drafts";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "slug" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = work(tx.objectStore(STORE));
    tx.oncomplete = () => {
      db.close();
      resolve(request?.result);
    };
    tx.onerror = () => {
      db.close();
      reject(tx.error);
    };
  });
}

/** The saved draft of a consultation, or null (also when IndexedDB is unavailable). */
export function loadDraft(slug) {
  return run("readonly", (store) => store.get(slug)).then((draft) => draft || null, () => null);
}

/** Save (replace) a draft: {slug, key, lon, lat, geometry, place, theme, title, body, photos: [Blob], sending}. */
export function saveDraft(draft) {
  return run("readwrite", (store) => store.put({ ...draft, saved: Date.now() })).catch(() => null);
}

export function forgetDraft(slug) {
  return run("readwrite", (store) => store.delete(slug)).catch(() => null);
}
