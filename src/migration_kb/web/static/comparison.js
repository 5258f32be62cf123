// "Add to comparison" without leaving the results: the practice joins the basket, the page stays where it was.
// Without JavaScript the same links work through the URL: `?compare=a,b` on search and entry pages carries
// the practices gathered, and "Add to comparison" opens /compare?ids=a,b,c. With it, one rule keeps the two in
// step (docs/delegates.md, "Gathering practices to compare"):
//   - a page whose URL says `compare=` (or a comparison, `ids=`) sets the basket: the URL wins, so a shared
//     link and "Add another practice from the search" mean what they say;
//   - a page reached without it (the site's menu, a typed address), or again by the back or forward button,
//     takes the basket kept in sessionStorage (the tab's newest);
//   - on every change the basket is stored, and written into this page's address and into each link and
//     form field of the page that carries `compare=`, so the next page reads the same basket either way.
// The words shown come from the server, in the page's language (data- attributes of .basket-bar).
(function () {
  "use strict";
  var KEY = "mkb-compare";
  var ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
  var store = null;
  try { store = window.sessionStorage; store.getItem(KEY); } catch (e) { store = null; }

  function split(value) {
    var out = [];
    (value || "").split(",").forEach(function (id) {
      id = id.trim();
      if (ID.test(id) && out.indexOf(id) < 0) { out.push(id); }
    });
    return out;
  }
  function keep(ids) {
    if (store) { try { store.setItem(KEY, ids.join(",")); } catch (e) { /* full or refused: the URL still has it */ } }
  }
  // The URL with `name` set to these ids (commas left readable, as the server writes them), or without it.
  function withIds(href, name, ids) {
    var url = new URL(href, window.location.href);
    if (ids.length) { url.searchParams.set(name, ids.join(",")); } else { url.searchParams.delete(name); }
    return url.pathname + url.search.replace(/%2C/gi, ",") + url.hash;
  }

  // The comparison page: what it shows is the basket; a "Remove" there keeps it in step, even the last one.
  var compared = document.querySelector("table[data-compared]");
  if (compared) {
    keep(split(compared.getAttribute("data-compared")));
    compared.addEventListener("click", function (event) {
      var link = event.target.closest("a.remove[href]");
      if (link) { keep(split(new URL(link.href).searchParams.get("ids"))); }
    });
  }
  var bar = document.querySelector(".basket-bar[data-compare-url]");
  if (!bar) { return; }
  var words = bar.dataset;
  var max = Number(words.max) || 4;
  var rendered = split(words.basket);  // what the server read in the URL, and drew
  var stored = store && store.getItem(KEY);
  // Back or forward to a page: the tab's basket is newer than that page's address.
  var nav = window.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
  var returning = nav && nav.type === "back_forward" && stored !== null;
  var fromUrl = new URLSearchParams(window.location.search).has("compare") && !returning;
  var basket = fromUrl ? rendered : split(stored).slice(0, max);
  var full = false;  // the last click asked for one more than the comparison can hold

  function element(tag, attrs, text) {
    var el = document.createElement(tag);
    Object.keys(attrs).forEach(function (name) { el.setAttribute(name, attrs[name]); });
    if (text) { el.textContent = text; }
    return el;
  }

  function drawSlot(slot) {
    var id = slot.dataset.compareId;
    slot.textContent = "";
    if (basket.indexOf(id) >= 0) {
      var mark = element("span", {"class": "in-compare"});
      mark.appendChild(element("span", {"aria-hidden": "true"}, "✓ "));
      mark.appendChild(document.createTextNode(words.in));
      slot.appendChild(mark);
      slot.appendChild(element("button", {"type": "button", "class": "remove-compare",
        "aria-label": words.removeLabel.replace("{title}", slot.dataset.title)}, words.remove));
    } else {
      var href = withIds(words.compareUrl, "ids", basket.concat([id]));  // as without JavaScript (a new tab)
      slot.appendChild(element("a", {"class": "add-compare", "href": href}, words.add));
    }
  }

  function drawBar() {
    bar.textContent = "";
    if (full) { bar.appendChild(element("p", {"class": "basket-full"}, words.full)); }
    if (!basket.length) { return; }
    var line = element("p", {"class": "basket"}, words["count-" + basket.length] + " ");
    line.appendChild(element("a", {"href": withIds(words.compareUrl, "ids", basket)}, words.compareThem));
    line.appendChild(document.createTextNode(" · "));
    line.appendChild(element("button", {"type": "button", "data-compare-clear": ""}, words.startAgain));
    bar.appendChild(line);
  }

  // The address, the links and the form fields that carry the basket say the same as it.
  function spread() {
    keep(basket);
    if (window.history.replaceState) {
      window.history.replaceState(window.history.state, "", withIds(window.location.href, "compare", basket));
    }
    document.querySelectorAll("a[href*='compare=']").forEach(function (link) {
      if (link.origin === window.location.origin && !link.closest(".compare-slot, .basket-bar")) {
        link.setAttribute("href", withIds(link.href, "compare", basket));
      }
    });
    document.querySelectorAll("input[name=compare]").forEach(function (field) { field.value = basket.join(","); });
  }

  function draw() {
    document.querySelectorAll(".compare-slot[data-compare-id]").forEach(drawSlot);
    drawBar();
  }

  document.addEventListener("click", function (event) {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
    var add = event.target.closest(".compare-slot a.add-compare");
    var remove = event.target.closest(".compare-slot .remove-compare");
    var clear = event.target.closest(".basket-bar [data-compare-clear]");
    if (!add && !remove && !clear) { return; }
    event.preventDefault();
    full = false;
    var slot = (add || remove) && (add || remove).closest(".compare-slot");
    var id = slot && slot.dataset.compareId;
    if (add && basket.indexOf(id) < 0) {
      if (basket.length >= max) { full = true; } else { basket.push(id); }
    } else if (remove) {
      basket = basket.filter(function (other) { return other !== id; });
    } else if (clear) {
      basket = [];
    }
    // The practice clicked stays where it was on the screen, though the basket line above it grows or shrinks.
    var anchor = slot || bar;
    var top = anchor.getBoundingClientRect().top;
    spread();
    draw();
    window.scrollBy(0, anchor.getBoundingClientRect().top - top);
    // The keyboard stays on the practice: on its remove switch once added, on its add link once removed.
    var next = slot && slot.querySelector(add && !full ? ".remove-compare" : ".add-compare");
    if (next) { next.focus({preventScroll: true}); }
    if (clear) { bar.setAttribute("tabindex", "-1"); bar.focus({preventScroll: true}); }
  });

  // Each practice gets its switch; the basket line as the server drew it is right (and not announced again)
  // unless the basket came from elsewhere.
  if (basket.join(",") === rendered.join(",")) {
    keep(basket);
    document.querySelectorAll(".compare-slot[data-compare-id]").forEach(drawSlot);
  } else {
    spread();
    draw();
  }
  // A page shown again from the browser's memory (back button) catches up with the tab's basket.
  window.addEventListener("pageshow", function (event) {
    var now = store && store.getItem(KEY);
    if (event.persisted && now !== null && now !== basket.join(",")) {
      basket = split(now).slice(0, max);
      full = false;
      spread();
      draw();
    }
  });
}());
