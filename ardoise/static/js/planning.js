// Ardoise planning — small progressive enhancements; every action also works without this file.
// - "Tout le mois" ticks the row's open days in place (without JS it goes to the review with them);
// - the review loaded by htmx gets the focus, and "Modifier mes choix" closes it without a reload;
// - htmx shows the 409/422 answers (refusals, unreadable input) instead of ignoring them.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var fill = event.target.closest("[data-fill-row]");
    if (fill) {
      event.preventDefault();
      var row = fill.getAttribute("data-fill-row");
      var boxes = Array.prototype.filter.call(
        fill.form.querySelectorAll('input[type="checkbox"][name="book"]:not(:disabled)'),
        function (box) { return box.closest("[data-row]") && box.closest("[data-row]").getAttribute("data-row") === row; }
      );
      var allTicked = boxes.every(function (box) { return box.checked; });
      boxes.forEach(function (box) { box.checked = !allTicked; });
      return;
    }
    var close = event.target.closest("[data-close-review]");
    var panel = document.getElementById("review-panel");
    if (close && panel && panel.contains(close)) {
      event.preventDefault();
      panel.innerHTML = "";
      var heading = document.getElementById("periode");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "review-panel") {
      var title = document.getElementById("review-title");
      if (title) { title.focus({ preventScroll: false }); }
    }
  });
})();
