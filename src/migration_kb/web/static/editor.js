/* The entry editor, enhanced. Everything works without this file (each button re-renders the form on the
   server); with it: a live preview as one types, countries added without a round trip, and the blocs of the
   chosen countries marked as suggestions at once. Loaded with CSP script-src 'self' (no inline code). */
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) { return; }

  // -- live preview: the server renders the whole entry (body sanitised, findings, tags, sources) from the
  //    form as it stands; we only place its answer ---------------------------------------------------------
  var body = form.querySelector("textarea[name=body]");
  var preview = document.getElementById("preview");
  var token = form.querySelector("input[name=csrf_token]");
  var timer = null;
  var asked = 0;
  function refresh() {
    var mine = ++asked;
    var data = new FormData(form);
    data.delete("op");
    fetch(body.getAttribute("data-preview"), {method: "POST", body: data, credentials: "same-origin",
                                              headers: {"X-CSRF-Token": token.value}})
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { if (mine === asked) { preview.innerHTML = html; } })
      .catch(function () { /* the Preview button still works */ });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }
  if (body && preview && token) {
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    if (!preview.querySelector(":not(.hint)")) { refresh(); }
  }

  // -- countries and the blocs they suggest -------------------------------------------------------------
  var countries = form.querySelector("input[name=countries]");
  var pick = document.getElementById("country-pick");
  var hint = document.getElementById("bloc-suggestion");
  function fold(s) { return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").trim().toLowerCase(); }
  function chosenCodes() {
    var byName = {};
    Array.prototype.forEach.call(pick.options, function (o) {
      if (!o.value) { return; }
      byName[o.value.toLowerCase()] = o;
      (o.getAttribute("data-names") || "").split("|").forEach(function (n) { byName[fold(n)] = o; });
    });
    return countries.value.split(/[,;\n]+/).map(function (t) { return byName[fold(t)]; })
      .filter(function (o) { return o; });
  }
  function suggest() {
    var blocs = {};
    chosenCodes().forEach(function (o) {
      (o.getAttribute("data-blocs") || "").split(" ").forEach(function (b) { if (b) { blocs[b] = true; } });
    });
    var names = [];
    form.querySelectorAll("label[data-bloc]").forEach(function (label) {
      var on = !!blocs[label.getAttribute("data-bloc")];
      label.classList.toggle("suggested", on);
      if (on) { names.push(label.getAttribute("data-bloc")); }
    });
    if (hint) { hint.textContent = names.length ? hint.getAttribute("data-prefix") + ": " + names.join(", ") : ""; }
  }
  if (countries && pick) {
    countries.addEventListener("input", suggest);
    var add = form.querySelector("button[value='add:country']");
    if (add) {
      add.addEventListener("click", function (event) {
        event.preventDefault();
        if (!pick.value) { pick.focus(); return; }
        var current = countries.value.replace(/[\s,]+$/, "");
        countries.value = current ? current + ", " + pick.value : pick.value;
        pick.value = "";
        suggest();
        countries.focus();
      });
    }
  }
})();
