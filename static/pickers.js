// Long lists (deputies, government bodies, branches): every <select data-picker> becomes a searchable picker
// (Tom Select, static/vendor/tom-select): type part of a name, move with the arrow keys, choose with Enter.
// The <select> stays in the form and is what is sent, so without JavaScript it works as a plain list.
(function () {
  if (typeof window.TomSelect !== "function") return;
  document.querySelectorAll("select[data-picker]").forEach(function (select) {
    var multiple = select.multiple;
    new window.TomSelect(select, {
      // Show many matches, search names anywhere in the label ("Ахмет" finds "Сейткали Ахмет …").
      maxOptions: 200,
      // Filter right after each key (not 300 ms later), so Enter picks what the typed text shows.
      refreshThrottle: 0,
      searchField: ["text"],
      allowEmptyOption: true,
      plugins: multiple ? ["remove_button"] : [],
      // Choosing replaces the typed text, and a single picker closes on Enter like a <select>.
      closeAfterSelect: !multiple,
      onInitialize: function () {
        // The search box is what a person types into and a screen reader lands on: the select's visible
        // label now names it (a click on the label focuses it), else the select's aria-label does.
        var input = this.control_input;
        if (!input) return;
        var labels = Array.prototype.slice.call(select.labels || []);
        if (labels.length) {
          input.id = input.id || (select.id || select.name) + "-search";
          labels.forEach(function (label) { label.htmlFor = input.id; });
        } else if (select.getAttribute("aria-label")) {
          input.setAttribute("aria-label", select.getAttribute("aria-label"));
        }
      },
    });
    // The picker is now the control people use; the <select> it fills in stays only for the form's sake.
    select.setAttribute("aria-hidden", "true");
    select.dataset.pickerReady = "";
  });
})();
