// Draws each dashboard chart from the table beside it: the table is the data (and what screen readers read).
(function () {
  "use strict";
  function read(table) {
    var columns = Array.prototype.map.call(table.tHead.rows[0].cells, function (c) { return c.textContent.trim(); });
    var rows = Array.prototype.map.call(table.tBodies[0].rows, function (tr) {
      return Array.prototype.map.call(tr.cells, function (c, i) {
        return i === 0 ? c.textContent.trim() : Number(c.dataset.value || 0);
      });
    });
    return { columns: columns, rows: rows };
  }
  function option(kind, data) {
    var labels = data.rows.map(function (r) { return r[0]; });
    if (kind === "pie") {
      return { animation: false, tooltip: {}, series: [{ type: "pie", radius: "65%",
        data: data.rows.map(function (r) { return { name: r[0], value: r[1] }; }) }] };
    }
    var series = data.columns.slice(1).map(function (name, i) {
      return { name: name, type: kind === "line" ? "line" : "bar", data: data.rows.map(function (r) { return r[i + 1]; }) };
    });
    return { animation: false, tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { containLabel: true, left: 8, right: 8 },
      xAxis: { type: "category", data: labels, axisLabel: { interval: 0, rotate: labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 }, series: series };
  }
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart-for]").forEach(function (box) {
      var table = document.getElementById(box.dataset.chartFor);
      var chart = echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(option(table.dataset.chart, read(table)));
      box.dataset.drawn = "1";
      window.addEventListener("beforeprint", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
// A long export: poll its status and move the progress bar until the file is ready.
(function () {
  "use strict";
  function poll(box) {
    fetch(box.dataset.exportStatus, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        box.querySelector("progress").value = s.done;
        box.querySelector("[data-export-done]").textContent = s.done;
        box.querySelector("[data-export-label]").textContent = s.label;
        box.dataset.state = s.status;
        if (s.status === "ready") box.querySelector("[data-export-link]").hidden = false;
        else if (s.status !== "failed") setTimeout(function () { poll(box); }, 1000);
      })
      .catch(function () { setTimeout(function () { poll(box); }, 3000); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-export-status]");
    if (box && box.dataset.state !== "ready" && box.dataset.state !== "failed") poll(box);
  });
})();
