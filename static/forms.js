// Forms on every page. The error summary, where a form came back with errors, takes the focus so that a
// screen reader reads it first and the keyboard starts from it (GOV.UK's pattern).
//
// A language switch reloads the page in the other language: what the person has typed into the page's
// forms goes along (in this tab's sessionStorage, removed as soon as it is put back). Passwords, PINs,
// files and hidden fields (tokens, versions) are never kept: the new page brings its own.
(function () {
  "use strict";
  var PREFIX = "qabyldau:typed:";

  function kept(el) {
    if (!el.name || el.disabled || el.name === "csrf_token") return false;
    var type = (el.type || "").toLowerCase();
    return ["password", "file", "hidden", "submit", "button", "reset", "image"].indexOf(type) < 0;
  }

  // The page's forms that post, but the language switch itself; a form is known by its action and place.
  function postForms() {
    return Array.prototype.filter.call(document.querySelectorAll("form"), function (form) {
      return !form.classList.contains("languages") && (form.getAttribute("method") || "get").toLowerCase() === "post";
    });
  }

  function formKey(form, index) {
    return (form.getAttribute("action") || "") + "#" + index;
  }

  function save(switcher) {
    var next = switcher.querySelector('input[name="next"]');
    if (!next) return;
    var saved = [];
    postForms().forEach(function (form, index) {
      var fields = [];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!kept(el)) return;
        var type = (el.type || "").toLowerCase();
        if (type === "checkbox" || type === "radio") {
          fields.push([el.name, el.value, el.checked]);
        } else if (el.tagName === "SELECT" && el.multiple) {
          fields.push([el.name, Array.prototype.filter.call(el.options, function (o) { return o.selected; })
            .map(function (o) { return o.value; }), null]);
        } else {
          fields.push([el.name, el.value, null]);
        }
      });
      if (fields.length) saved.push([formKey(form, index), fields]);
    });
    if (saved.length) {
      try { sessionStorage.setItem(PREFIX + next.value, JSON.stringify(saved)); } catch (e) { /* full or off */ }
    }
  }

  function restore() {
    var key = PREFIX + location.pathname + location.search;
    var raw;
    try { raw = sessionStorage.getItem(key); sessionStorage.removeItem(key); } catch (e) { return; }
    if (!raw) return;
    var forms = postForms();
    JSON.parse(raw).forEach(function (entry) {
      var form = forms.filter(function (f, index) { return formKey(f, index) === entry[0]; })[0];
      if (!form) return;
      entry[1].forEach(function (field) {
        var name = field[0], value = field[1], checked = field[2];
        Array.prototype.forEach.call(form.elements, function (el) {
          if (el.name !== name || !kept(el)) return;
          var type = (el.type || "").toLowerCase();
          if (type === "checkbox" || type === "radio") {
            if (el.value === value) el.checked = checked;
          } else if (el.tagName === "SELECT" && el.multiple) {
            Array.prototype.forEach.call(el.options, function (o) { o.selected = value.indexOf(o.value) >= 0; });
          } else {
            el.value = value;
          }
          // Fields that depend on this one (a district on its region) follow it.
          el.dispatchEvent(new Event("change", { bubbles: true }));
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
    var switcher = document.querySelector("form.languages");
    if (switcher) switcher.addEventListener("submit", function () { save(switcher); });
    restore();
  });
})();
