// The receipt page: the "Print" button (a script file, since the pages allow no inline script).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
