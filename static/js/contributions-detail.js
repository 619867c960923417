/* Carte Commune: « Signaler » forms of a contribution page (sent to the moderation API). */
import { api } from "./api.js";
import { t } from "./i18n.js";

for (const form of document.querySelectorAll(".cc-flag-form")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = form.querySelector(".cc-flag-status");
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await api(form.dataset.url, {
        method: "POST",
        json: { reason: form.elements.reason.value, details: form.elements.details.value },
      });
      status.textContent = t("Merci : votre signalement a été transmis à l'équipe de modération.");
    } catch (error) {
      status.textContent = error.message || t("Le signalement n'a pas pu être envoyé.");
      button.disabled = false;
    }
  });
}
