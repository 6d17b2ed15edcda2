/* The what-if page: each slider's percent beside it as it moves (the result itself is fetched
 * by htmx, see templates/what_if.html). No inline handlers, so a strict CSP can stay. */
(function () {
  "use strict";
  document.addEventListener("input", function (evt) {
    var slider = evt.target;
    if (!slider || slider.type !== "range" || !slider.id) return;
    var shown = document.querySelector('output[for="' + slider.id + '"]');
    if (shown) shown.textContent = slider.value + " %";
  });
})();
