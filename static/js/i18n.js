// Translations for the scripts: base.html embeds {msgid: msgstr} of the strings extracted from
// static/js (keyword `t`) for the page's language, in <script type="application/json" id="cc-i18n">.
// French is the source language: its catalog is empty and t() answers the msgid itself.
const root = document.documentElement;
const node = document.getElementById("cc-i18n");
let catalog = {};
try {
  catalog = node ? JSON.parse(node.textContent || "{}") : {};
} catch (error) {
  catalog = {};
}

export const locale = root.getAttribute("lang") || "fr";
export const dir = root.getAttribute("dir") === "rtl" ? "rtl" : "ltr";

// t("%(count)s idées", {count: 3}): the translation (or the msgid), each %(name)s replaced.
export function t(msgid, params) {
  const text = Object.prototype.hasOwnProperty.call(catalog, msgid) && catalog[msgid] ? catalog[msgid] : msgid;
  if (!params) return text;
  return text.replace(/%\(([A-Za-z_][A-Za-z0-9_]*)\)s/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole
  );
}
