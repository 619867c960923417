/* Carte Commune: translations of the page scripts. The page may embed its catalogue as JSON in
   <script type="application/json" id="cc-i18n">; without it the French source text is shown. */
const node = document.getElementById("cc-i18n");
let catalogue = {};
try {
  catalogue = node ? JSON.parse(node.textContent) || {} : {};
} catch {
  catalogue = {};
}

export const locale = document.documentElement.lang || "fr";
export const dir = document.documentElement.dir || "ltr";

/** The translation of a French source text, with its %(name)s placeholders replaced. */
export function t(msgid, params) {
  const text = typeof catalogue[msgid] === "string" && catalogue[msgid] ? catalogue[msgid] : msgid;
  if (!params) return text;
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in params ? String(params[name]) : whole));
}
