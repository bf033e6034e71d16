/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  // The place: one select grouped by town (works without script) becomes two selects,
  // the town first and then its villages and communities.
  document.querySelectorAll("select[data-portal-place]").forEach(function (place) {
    var groups = Array.prototype.slice.call(place.querySelectorAll("optgroup"));
    if (!groups.length) { return; }
    var town = document.createElement("select");
    town.className = place.className;
    town.id = place.id + "_town";
    var label = document.createElement("label");
    label.className = "form-label fw-semibold";
    label.htmlFor = town.id;
    label.textContent = place.getAttribute("data-town-label");
    var blank = place.querySelector("option[value='']");
    var all = groups.map(function (g) { return { label: g.label, options: Array.prototype.slice.call(g.children) }; });
    var none = document.createElement("option");
    none.value = "";
    none.textContent = blank ? blank.textContent : "";
    town.appendChild(none);
    all.forEach(function (g, i) {
      var o = document.createElement("option");
      o.value = String(i);
      o.textContent = g.label;
      town.appendChild(o);
    });
    function fill(index) {
      place.innerHTML = "";
      if (blank) { place.appendChild(blank); }
      if (index === "") { place.disabled = true; place.value = ""; return; }
      place.disabled = false;
      all[Number(index)].options.forEach(function (o) { place.appendChild(o); });
    }
    var chosen = place.value;
    all.forEach(function (g, i) {
      g.options.forEach(function (o) { if (o.value === chosen && chosen !== "") { town.value = String(i); } });
    });
    town.addEventListener("change", function () { fill(town.value); if (town.value !== "") { place.selectedIndex = 1; } });
    var own = place.previousElementSibling;
    if (own && own.tagName === "LABEL" && place.getAttribute("data-village-label")) {
      own.textContent = place.getAttribute("data-village-label");
    }
    place.parentNode.insertBefore(label, own);
    place.parentNode.insertBefore(town, own);
    fill(town.value);
    if (chosen) { place.value = chosen; }
  });
  // A print button where printing from script is possible.
  document.querySelectorAll("[data-portal-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
