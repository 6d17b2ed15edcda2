/* Draw every Vega-Lite chart on the page with the vendored vega-embed.
 *
 * Contract (see docs/web-charts.md):
 *   <div class="chart" data-spec-id="X"></div>
 *   <script type="application/json" id="X">{...Vega-Lite spec...}</script>
 * Load after vendor/vega.min.js, vendor/vega-lite.min.js and vendor/vega-embed.min.js.
 *
 * A chart is drawn once: on page load and after every htmx swap the page is scanned for chart
 * divs not yet drawn. When drawn the div gets data-rendered="true"; when drawing fails it gets
 * data-rendered="error" and a sentence saying what went wrong (the data table beside the chart
 * still has the figures). Views inside content that htmx removes are finalised.
 */
(function () {
  "use strict";

  var SELECTOR = "div.chart[data-spec-id]";

  function fail(el, message) {
    el.textContent = "This chart could not be drawn (" + message + "). " +
      "The table of its data has the same figures.";
    el.classList.add("chart-error");
    el.setAttribute("role", "note");
    el.setAttribute("data-rendered", "error");
  }

  function draw(el) {
    if (el.hasAttribute("data-rendered") || el.hasAttribute("data-rendering")) return;
    el.setAttribute("data-rendering", "true");
    var id = el.getAttribute("data-spec-id");
    var spec;
    try {
      var source = document.getElementById(id);
      if (!source) throw new Error("no chart data with id \u201c" + id + "\u201d on the page");
      spec = JSON.parse(source.textContent);
      if (typeof window.vegaEmbed !== "function") throw new Error("the chart library did not load");
    } catch (err) {
      el.removeAttribute("data-rendering");
      fail(el, err && err.message ? err.message : String(err));
      return;
    }
    window.vegaEmbed(el, spec, { renderer: "svg", actions: false })
      .then(function (result) {
        el.__anchorkitView = result.view;
        el.removeAttribute("data-rendering");
        el.setAttribute("data-rendered", "true");
      })
      .catch(function (err) {
        el.removeAttribute("data-rendering");
        fail(el, err && err.message ? err.message : String(err));
      });
  }

  function drawAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches(SELECTOR)) draw(scope);
    var found = scope.querySelectorAll(SELECTOR);
    for (var i = 0; i < found.length; i++) draw(found[i]);
  }

  function finalizeIn(root) {
    if (!root || !root.querySelectorAll) return;
    var els = root.matches && root.matches(SELECTOR) ? [root] : [];
    var found = root.querySelectorAll(SELECTOR);
    for (var i = 0; i < found.length; i++) els.push(found[i]);
    els.forEach(function (el) {
      if (el.__anchorkitView) {
        el.__anchorkitView.finalize();
        el.__anchorkitView = null;
      }
    });
  }

  window.anchorkitCharts = { drawAll: drawAll };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
  // htmx:load fires on each piece of new content; afterSwap on the swap target (whose old
  // children may have been replaced by new ones). Either way, anything not yet drawn is drawn.
  document.addEventListener("htmx:load", function (evt) { drawAll(evt.target); });
  document.addEventListener("htmx:afterSwap", function () { drawAll(document); });
  document.addEventListener("htmx:beforeCleanupElement", function (evt) { finalizeIn(evt.target); });
})();
