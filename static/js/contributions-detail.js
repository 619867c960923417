/* Carte Commune: « Signaler » forms of a contribution page (sent to the moderation API). */
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content;
  document.querySelectorAll(".cc-flag-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var status = form.querySelector(".cc-flag-status"), button = form.querySelector("button");
      button.disabled = true;
      // Pages for anonymous visitors carry no token (no session cookie): ask for one first.
      (csrf ? Promise.resolve(csrf) : fetch("/api/csrf-token", { credentials: "same-origin" })
        .then(function (r) { return r.json(); }).then(function (body) { csrf = body.token; return csrf; })
      ).then(function (token) {
        return fetch(form.dataset.url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
          body: JSON.stringify({ reason: form.elements.reason.value, details: form.elements.details.value })
        });
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (r.ok) { status.textContent = "Merci : votre signalement a été transmis à l'équipe de modération."; return; }
          status.textContent = (body.error && body.error.message) || "Le signalement n'a pas pu être envoyé.";
          button.disabled = false;
        });
      }).catch(function () { status.textContent = "Pas de connexion : réessayez."; button.disabled = false; });
    });
  });
})();
