// Ardoise — the main menu on a phone: the current page and a "Menu" button that shows the other entries.
// Loaded right after the menu (not deferred), so that a phone never paints it unfolded first.
// Without this file every entry is shown; on a wide screen the CSS shows them all anyway.
(function () {
  "use strict";

  var nav = document.querySelector("[data-compact-menu]");
  var button = nav && nav.querySelector("button[aria-controls]");
  if (!button) { return; }

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("is-open", open);
  }

  nav.classList.add("is-compact");
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  // Escape closes the open menu and gives the focus back to its button.
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
})();
