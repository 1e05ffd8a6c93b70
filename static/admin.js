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

  var KINDS = { stacked: stacked, overview: overview, rates: rates };

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
        if (el && navigator.clipboard) { navigator.clipboard.writeText(el.textContent.trim()); }
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
