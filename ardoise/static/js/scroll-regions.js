// Ardoise — a table or chart wider than the screen scrolls inside its box (.table-scroll, .chart__scroll).
// A keyboard scrolls a box only when it can focus it: while a box overflows, it becomes a focusable region
// named after its table's caption (else its section's heading), so that Tab reaches it and the arrow keys
// scroll it (WCAG 2.1.1; axe's rule scrollable-region-focusable). When it fits again, it is plain again,
// so that a wide screen has no needless tab stop. Without JavaScript the box still scrolls with a mouse or a finger.
(function () {
  "use strict";

  var SELECTOR = ".table-scroll, .chart__scroll";
  var MARK = "data-scroll-region";

  function nameOf(box) {
    var caption = box.querySelector("caption");
    var section = box.closest("section[aria-labelledby]");
    var heading = section && document.getElementById(section.getAttribute("aria-labelledby"));
    var source = caption || heading || box.closest("section, details, main").querySelector("h1, h2, h3, summary");
    return source ? source.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function update() {
    document.querySelectorAll(SELECTOR).forEach(function (box) {
      var overflows = box.scrollWidth > box.clientWidth + 1;
      if (overflows && !box.hasAttribute(MARK)) {
        box.setAttribute(MARK, "");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", nameOf(box) || "Contenu défilant");
      } else if (!overflows && box.hasAttribute(MARK)) {
        ["tabindex", "role", "aria-label", MARK].forEach(function (name) { box.removeAttribute(name); });
      }
    });
  }

  update();
  window.addEventListener("resize", update);
  // A <details> that opens shows its table; htmx swaps in new ones.
  document.addEventListener("toggle", update, true);
  document.addEventListener("htmx:afterSettle", update);
})();
