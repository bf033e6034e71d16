/* Progressive enhancement only: the pages work without this file (the form checks the kind). */
(function () {
  "use strict";
  // The registration form offers only the kinds of the chosen point (options carry data-points).
  var point = document.getElementById("id_point");
  var kind = document.getElementById("id_kind");
  if (point && kind) {
    var filter = function () {
      Array.prototype.forEach.call(kind.options, function (option) {
        var points = (option.getAttribute("data-points") || "").split(" ");
        var offered = !option.value || points.indexOf(point.value) >= 0;
        option.hidden = !offered;
        option.disabled = !offered;
      });
      if (kind.selectedIndex >= 0 && kind.options[kind.selectedIndex].disabled) { kind.value = ""; }
    };
    point.addEventListener("change", filter);
    filter();
  }
  // A print button where printing from script is possible.
  document.querySelectorAll("[data-slip-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
