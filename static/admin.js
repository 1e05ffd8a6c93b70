/* Opt-in Gateway admin dashboard behaviour. Loaded as a file (the CSP forbids inline script).
 * Chart data comes from <script type="application/json" id="chart-data">, read with
 * JSON.parse; no HTML or script is ever built from data. */
(function () {
  "use strict";

  function chartData() {
    var el = document.getElementById("chart-data");
    if (!el) { return null; }
    try { return JSON.parse(el.textContent || "null"); } catch (e) { return null; }
  }

  function shortDay(iso) { return iso.slice(5).replace("-", "/"); }

  var FONT = "system-ui, -apple-system, 'Hiragino Sans', 'Noto Sans JP', sans-serif";

  function baseOptions() {
    return {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12, font: { family: FONT } } } }
    };
  }

  function stacked(canvas, d) {
    var options = baseOptions();
    options.scales = {
      x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
      y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#eef1f5" } }
    };
    options.plugins.tooltip = { mode: "index", intersect: false };
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: d.labels.map(shortDay),
        datasets: d.datasets.map(function (s) {
          return { label: s.label, data: s.data, backgroundColor: s.color, borderRadius: 2, maxBarThickness: 28 };
        })
      },
      options: options
    });
  }

  function overview(canvas, d) {
    var options = baseOptions();
    options.scales = {
      x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
      y: { beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#eef1f5" } }
    };
    options.plugins.tooltip = { mode: "index", intersect: false };
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: d.labels.map(shortDay),
        datasets: d.datasets.map(function (s, i) {
          return i === 0
            ? { label: s.label, data: s.data, backgroundColor: s.color, borderRadius: 2, maxBarThickness: 22, order: 2 }
            : { type: "line", label: s.label, data: s.data, borderColor: s.color, backgroundColor: s.color,
                tension: 0.3, pointRadius: 2, borderWidth: 2, order: 1 };
        })
      },
      options: options
    });
  }

  function rates(canvas, d) {
    // Horizontal bars, worst first; the business baseline is the grey bar on top.
    var labels = [d.baseline_label].concat(d.labels);
    var values = [d.baseline].concat(d.values);
    var colours = ["#adb5bd"].concat(d.flagged.map(function (f) { return f ? "#d64545" : "#128c7e"; }));
    var options = baseOptions();
    options.indexAxis = "y";
    options.plugins.legend = { display: false };
    options.plugins.tooltip = { callbacks: { label: function (ctx) { return " " + ctx.parsed.x.toFixed(1) + "%"; } } };
    options.scales = {
      x: { beginAtZero: true, title: { display: true, text: d.axis + " (%)" }, grid: { color: "#eef1f5" },
           ticks: { callback: function (v) { return v + "%"; } } },
      y: { grid: { display: false } }
    };
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: d.axis, data: values, backgroundColor: colours, borderRadius: 3, maxBarThickness: 22 }] },
      options: options
    });
  }

  function grouped(canvas, d) {
    // Placements side by side, horizontal: long labels stay readable.
    var options = baseOptions();
    options.indexAxis = "y";
    options.plugins.tooltip = { mode: "index", intersect: false };
    options.scales = {
      x: { beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#eef1f5" } },
      y: { grid: { display: false }, ticks: { callback: function (v) {
        var text = this.getLabelForValue(v);
        return text.length > 34 ? text.slice(0, 33) + "…" : text;
      } } }
    };
    var box = canvas.parentNode;
    var rows = parseInt(box.getAttribute("data-grow-rows") || "0", 10);
    if (rows > 6) { box.style.height = (120 + rows * 34) + "px"; }
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: d.datasets.map(function (s) {
          return { label: s.label, data: s.data, backgroundColor: s.color, borderRadius: 2, maxBarThickness: 12 };
        })
      },
      options: options
    });
  }

  function funnel(canvas, d) {
    // One bar per step; the tooltip names the share of the step before.
    var options = baseOptions();
    options.plugins.legend = { display: false };
    options.plugins.tooltip = { callbacks: { label: function (ctx) {
      var r = d.rates[ctx.dataIndex];
      return " " + ctx.parsed.y.toLocaleString() + (r === null ? "" : " (" + r.toFixed(1) + "% " + d.rate_label + ")");
    } } };
    options.scales = {
      x: { grid: { display: false } },
      y: { beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#eef1f5" } }
    };
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: d.labels, datasets: [{ data: d.values, backgroundColor: d.colors, borderRadius: 4, maxBarThickness: 64 }] },
      options: options
    });
  }

  var KINDS = { stacked: stacked, overview: overview, rates: rates, grouped: grouped, funnel: funnel };

  function drawCharts() {
    var data = chartData();
    if (!data || !window.Chart) { return; }
    var canvases = document.querySelectorAll("canvas[data-chart]");
    Array.prototype.forEach.call(canvases, function (canvas) {
      var draw = KINDS[canvas.getAttribute("data-chart")];
      var d = data[canvas.getAttribute("data-source")];
      if (draw && d) {
        canvas.chart = draw(canvas, d);
        canvas.setAttribute("data-rendered", "true");
      }
    });
  }

  function rateBars() {
    // Widths from data attributes: style attributes in HTML would break the CSP.
    Array.prototype.forEach.call(document.querySelectorAll(".rate-bar .fill[data-width]"), function (el) {
      var w = parseFloat(el.getAttribute("data-width"));
      if (!isNaN(w)) { el.style.width = Math.max(0, Math.min(100, w)) + "%"; }
    });
  }

  function copied(button) {
    // Say so on the button for a moment (its label comes from the page, in its language).
    var done = button.getAttribute("data-copied");
    if (!done) { return; }
    var label = button.querySelector("[data-label]") || button;
    var before = label.textContent;
    label.textContent = done;
    button.classList.add("copied");
    window.setTimeout(function () { label.textContent = before; button.classList.remove("copied"); }, 1800);
  }

  function copy(el, button) {
    var text = el.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button); }, function () { select(el); });
    } else {
      select(el);  // plain http: the text is selected for Ctrl+C
    }
  }

  function select(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function wire() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("select[data-autosubmit]"), function (s) {
      s.addEventListener("change", function () { if (s.form) { s.form.submit(); } });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (b) {
      b.addEventListener("click", function () {
        var el = document.getElementById(b.getAttribute("data-copy"));
        if (el) { copy(el, b); }
      });
    });
    // Printed pages show every wording text, opened or not.
    var opened = [];
    window.addEventListener("beforeprint", function () {
      opened = [];
      Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) {
        if (!d.open) { d.open = true; opened.push(d); }
      });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (d) { d.open = false; });
    });
  }

  function start() { rateBars(); drawCharts(); wire(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
