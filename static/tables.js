// On a phone each row of a list table shows as a block of "Column: value" lines (see app.css): label each
// cell with its column's heading, unless the page already did.
(function () {
  document.querySelectorAll("table.list").forEach(function (table) {
    if (!table.tHead || !table.tHead.rows.length) return;
    var headings = [];
    Array.from(table.tHead.rows[0].cells).forEach(function (th) {
      for (var n = 0; n < th.colSpan; n++) headings.push(th.textContent.trim());
    });
    var sections = Array.from(table.tBodies);
    if (table.tFoot) sections.push(table.tFoot);
    sections.forEach(function (section) {
      Array.from(section.rows).forEach(function (row) {
        var column = 0;
        Array.from(row.cells).forEach(function (cell) {
          if (column > 0 && !cell.hasAttribute("data-label") && cell.colSpan === 1 && headings[column]) {
            cell.setAttribute("data-label", headings[column]);
          }
          column += cell.colSpan;
        });
      });
    });
  });
})();
