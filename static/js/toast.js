/* Carte Commune: short messages as dismissible toasts (role=status, or alert for errors) that close
   by themselves. They sit above the page's bottom edge, clear of the map's zoom and locate controls. */
import { el } from "./dom.js";
import { t } from "./i18n.js";

function region() {
  let box = document.getElementById("cc-toasts");
  if (!box) {
    box = el("div", { id: "cc-toasts", class: "cc-toasts" });
    document.body.append(box);
  }
  return box;
}

/** Show a message; kind "error" is announced at once (role=alert). Returns a function that closes it. */
export function toast(message, { kind = "info", seconds = kind === "error" ? 10 : 6 } = {}) {
  const close = el("button", { type: "button", class: "cc-toast-close", "aria-label": t("Fermer le message") }, ["×"]);
  const box = el("div", { class: `cc-toast cc-toast-${kind}`, role: kind === "error" ? "alert" : "status" }, [
    el("p", {}, [message]),
    close,
  ]);
  let timer = null;
  const dismiss = () => {
    clearTimeout(timer);
    box.remove();
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(dismiss, seconds * 1000);
  };
  close.addEventListener("click", dismiss);
  // Never vanishes while it is being read with a finger, a pointer or the keyboard.
  box.addEventListener("pointerenter", () => clearTimeout(timer));
  box.addEventListener("pointerleave", arm);
  box.addEventListener("focusin", () => clearTimeout(timer));
  box.addEventListener("focusout", arm);
  const all = region();
  while (all.children.length >= 3) all.firstElementChild.remove();
  all.append(box);
  arm();
  return dismiss;
}
