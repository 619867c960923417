// ESLint for the page scripts (static/js): ES modules in the browser, the service worker apart.
import js from "@eslint/js";
import globals from "globals";

// Sinks that parse a string as HTML (or as code): the pages build DOM nodes with textContent instead.
const HTML_SINKS = [
  { selector: "MemberExpression[property.name=/^(inner|outer)HTML$/]", message: "Pas de innerHTML/outerHTML : construire des nœuds DOM (textContent)." },
  { selector: "CallExpression[callee.property.name='insertAdjacentHTML']", message: "Pas de insertAdjacentHTML : construire des nœuds DOM." },
  { selector: "CallExpression[callee.property.name=/^(write|writeln)$/][callee.object.name='document']", message: "Pas de document.write." },
  { selector: "CallExpression[callee.property.name='createContextualFragment']", message: "Pas de createContextualFragment : construire des nœuds DOM." },
  { selector: "MemberExpression[property.name='srcdoc']", message: "Pas de srcdoc." },
  { selector: "CallExpression[callee.property.name=/^(setHTMLUnsafe|parseHTMLUnsafe)$/]", message: "Pas de HTML non assaini." },
];

export default [
  { ignores: ["node_modules/**", "var/**", ".venv/**"] },
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser, L: "readonly" },
    },
    rules: {
      "no-restricted-syntax": ["error", ...HTML_SINKS],
      // Leaflet's private fields (a leading underscore) change between versions: public API only.
      "no-underscore-dangle": ["error", { allow: [], allowAfterThis: false, enforceInMethodNames: true }],
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-var": "off",
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
      eqeqeq: ["error", "smart"],
    },
  },
  {
    files: ["static/js/sw.js"],
    languageOptions: { sourceType: "script", globals: { ...globals.serviceworker } },
  },
];
