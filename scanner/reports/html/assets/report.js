// Optional behaviour: the report reads and works without it (cell links use #anchors).
(function () {
  "use strict";
  var tip = document.getElementById("tip");
  function show(cell, x, y) {
    tip.textContent = cell.getAttribute("data-criterion");
    tip.hidden = false;
    tip.style.left = Math.min(x + 14, window.innerWidth - 380) + "px";
    tip.style.top = (y + 14) + "px";
  }
  function hide() { tip.hidden = true; }
  function open(hash) {
    var panels = document.querySelectorAll(".cell-detail.open");
    for (var i = 0; i < panels.length; i++) { panels[i].classList.remove("open"); }
    if (!hash || hash.length < 2) { return; }
    var panel = document.getElementById(decodeURIComponent(hash.slice(1)));
    if (panel && panel.classList.contains("cell-detail")) {
      panel.classList.add("open");
      panel.focus();
    }
  }
  var cells = document.querySelectorAll(".hm-cell");
  for (var i = 0; i < cells.length; i++) {
    cells[i].addEventListener("mouseenter", function (e) { show(e.currentTarget, e.clientX, e.clientY); });
    cells[i].addEventListener("mouseleave", hide);
    cells[i].addEventListener("focus", function (e) {
      var box = e.currentTarget.getBoundingClientRect();
      show(e.currentTarget, box.left, box.bottom);
    });
    cells[i].addEventListener("blur", hide);
  }
  window.addEventListener("hashchange", function () { open(window.location.hash); });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { hide(); } });
  open(window.location.hash);
})();
