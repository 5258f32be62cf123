/* migration-kb: small progressive enhancements. Every page works the same without this file. */
(function () {
  "use strict";
  // "/" moves to the search box, as on many search sites (not while typing in a field).
  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("q");
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (event.key === "/" && box && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
  // The user's menu closes on a click elsewhere or on Escape, as menus do (without this file: on its name).
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });
  // Facet groups the delegate opened or closed stay that way from one search to the next.
  var store;
  try { store = window.sessionStorage; } catch (e) { store = null; }
  if (!store) { return; }
  document.querySelectorAll("details.facet[id]").forEach(function (group) {
    var key = "mkb-" + group.id;
    var saved = store.getItem(key);
    var chosen = group.querySelector("a.on");
    if (saved !== null && !chosen) { group.open = saved === "open"; }
    group.addEventListener("toggle", function () { store.setItem(key, group.open ? "open" : "closed"); });
  });
}());
