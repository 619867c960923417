/* Carte Commune: building DOM nodes (text is always text: never parsed as HTML). */

/** document.getElementById. */
export const byId = (id) => document.getElementById(id);

/** An element with attributes (null ones skipped) and children (strings become text nodes). */
export function el(tag, attrs = {}, kids = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value != null && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  for (const kid of kids) {
    if (kid == null || kid === false) continue;
    node.append(typeof kid === "string" || typeof kid === "number" ? document.createTextNode(String(kid)) : kid);
  }
  return node;
}
