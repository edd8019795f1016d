// A district select follows its region select: <select data-follows="region"> lists only the districts of the
// region chosen there (each <option data-region="id">). Without JavaScript the list stays grouped by region
// (<optgroup>), and the server refuses a district outside the region at the district field.
(function () {
  document.querySelectorAll("select[data-follows]").forEach(function (districts) {
    var region = document.getElementById(districts.dataset.follows);
    if (!region) return;
    // Every region's group, in the page's order; those of other regions are taken out of the list, not hidden
    // (a hidden <option> still answers typing and arrow keys in some browsers).
    var groups = Array.prototype.slice.call(districts.querySelectorAll("optgroup"));
    var regionOf = function (group) {
      var first = group.querySelector("option[data-region]");
      return first ? first.dataset.region : "";
    };
    var show = function () {
      var chosen = region.value;
      var value = districts.value;
      groups.forEach(function (group) { if (group.parentNode) group.parentNode.removeChild(group); });
      groups.forEach(function (group) {
        if (!chosen || regionOf(group) === chosen) districts.appendChild(group);
      });
      // The district chosen before stays chosen when it is still listed; otherwise the empty choice is.
      districts.value = value;
      if (districts.value !== value) districts.selectedIndex = 0;
    };
    region.addEventListener("change", show);
    // A district picked while no region is chosen names its region.
    districts.addEventListener("change", function () {
      var option = districts.options[districts.selectedIndex];
      if (!region.value && option && option.dataset.region) {
        region.value = option.dataset.region;
        show();
      }
    });
    show();
  });
})();
