// Asks before leaving a page whose text boxes (marked data-unsaved) hold text not yet saved.
// Without JavaScript the page works the same; only this warning is missing.
(function () {
  "use strict";
  var dirty = false;
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-unsaved]")) { dirty = true; }
  });
  document.addEventListener("submit", function (event) {
    // saving the texts keeps them; any other form of the page would leave them behind
    if (event.target.querySelector("[data-unsaved]") || document.querySelector("[data-unsaved][form=\"" + event.target.id + "\"]")) { dirty = false; }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
}());
