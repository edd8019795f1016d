// The inquiry page: poll each unfinished document version until its job is done, then show the download.
(function () {
  document.querySelectorAll("[data-poll]").forEach(function (item) {
    var timer = setInterval(function () {
      fetch(item.dataset.poll, {headers: {"Accept": "application/json"}}).then(function (r) { return r.json(); }).then(function (s) {
        item.dataset.status = s.status;
        var label = item.querySelector(".doc-status");
        if (label) { label.textContent = s.label + (s.error ? " — " + s.error : ""); }
        if (s.status === "ready" || s.status === "failed") { clearInterval(timer); if (s.status === "ready") { location.reload(); } }
      });
    }, 1500);
  });
})();
