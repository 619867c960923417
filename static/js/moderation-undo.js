/* The undo notice after a moderation decision: the close button hides it (the form stays usable until then). */
(function () {
  "use strict";
  document.querySelectorAll("[data-undo-notice]").forEach(function (notice) {
    var close = notice.querySelector("[data-undo-dismiss]");
    if (close) { close.addEventListener("click", function () { notice.remove(); }); }
  });
})();
