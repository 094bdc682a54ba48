// Ardoise — small behaviours without inline handlers (the Content-Security-Policy allows no inline script):
// - [data-print] prints the page;
// - [data-autosubmit] submits its form when its value changes (a submit button stays for those without JS).
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });

  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) {
      field.form.submit();
    }
  });
})();
