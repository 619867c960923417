/* Carte Commune: the one module that speaks to our JSON API (every page script uses it).
   CSRF token from the page's meta tag or GET /api/csrf-token (anonymous pages carry none),
   an Idempotency-Key on every write, and French messages from the server's error envelope. */
import { t } from "./i18n.js";

let csrf = document.querySelector('meta[name="csrf-token"]')?.content || null;

/** A request refused or failed: `message` is French, `status` 0 when the network is down. */
export class ApiError extends Error {
  constructor(message, status, body) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.body = body || {};
    this.fields = this.body.error?.fields || {};
  }

  /** True when nothing reached the server, or it could not answer now: worth sending again. */
  get retryable() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** A fresh key for one write; kept with a draft, it is sent again with every retry of that write. */
export function newKey(prefix = "cc") {
  if (window.crypto?.randomUUID) return `${prefix}-${crypto.randomUUID()}`;
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The CSRF token of this visit (asked for once when the page has none). */
export async function csrfToken() {
  if (csrf) return csrf;
  const response = await fetch("/api/csrf-token", { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new ApiError(t("Impossible de préparer l'envoi : réessayez."), response.status);
  csrf = (await response.json()).token;
  return csrf;
}

function statusMessage(status) {
  if (status === 413) return t("Envoi trop lourd : allégez les photos (8 Mo au plus chacune).");
  if (status === 429) return t("Trop d'envois rapprochés : patientez un instant puis réessayez.");
  if (status >= 500) return t("Le service est momentanément indisponible : réessayez dans un instant.");
  return t("La demande a échoué (erreur %(status)s).", { status });
}

function prepare(options) {
  const method = (options.method || "GET").toUpperCase();
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  let body = options.body;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  return { method, headers, body, write: method !== "GET" && method !== "HEAD" };
}

/**
 * fetch() with CSRF on writes and an Idempotency-Key (options.idempotencyKey, or a fresh one);
 * the raw Response, for the few pages that read more than JSON. Network errors: ApiError (status 0).
 * options: method, json (a value sent as JSON), body (FormData…), headers, signal, credentials.
 */
export async function request(url, options = {}) {
  const { method, headers, body, write } = prepare(options);
  try {
    if (write) {
      headers["X-CSRFToken"] = await csrfToken();
      headers["Idempotency-Key"] = options.idempotencyKey || newKey();
    }
    return await fetch(url, {
      method,
      body,
      headers,
      signal: options.signal,
      credentials: options.credentials || "same-origin",
    });
  } catch (error) {
    if (error.name === "AbortError" || error instanceof ApiError) throw error;
    throw new ApiError(t("Pas de connexion au réseau : vérifiez votre connexion puis réessayez."), 0);
  }
}

/** Our API's JSON answer (same options as request()); a refusal throws ApiError with the server's French message. */
export async function api(url, options = {}) {
  const response = await request(url, options);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new ApiError(answer.error?.message || statusMessage(response.status), response.status, answer);
  }
  return answer;
}

/** GET a URL as JSON with our French errors (no CSRF: reads only). */
export function getJson(url, options = {}) {
  return api(url, { ...options, method: "GET" });
}
