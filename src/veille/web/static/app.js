/* veille dashboard: draws the charts from JSON carried in data- attributes (no inline script). */
(function () {
  "use strict";
  var PALETTE = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"];
  var lang = document.documentElement.lang || "fr";
  var money = new Intl.NumberFormat(lang, { style: "currency", currency: "EUR", maximumFractionDigits: 2 });
  var day = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric" });

  function readSeries(el) {
    try {
      var value = JSON.parse(el.getAttribute("data-series") || "[]");
      return Array.isArray(value) ? value : [];
    } catch (e) {
      return [];
    }
  }

  function historyChart(el) {
    var now = Date.now();
    var datasets = readSeries(el).map(function (s, i) {
      var pts = (s.points || [])
        .filter(function (p) { return p.y !== null && p.y !== undefined; })
        .map(function (p) { return { x: Date.parse(p.t), y: Number(p.y) }; });
      if (pts.length) { pts.push({ x: now, y: pts[pts.length - 1].y }); }
      return {
        label: String(s.label || ""), data: pts, stepped: "after", borderWidth: 2, pointRadius: 2,
        borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length]
      };
    });
    return new window.Chart(el, {
      type: "line",
      data: { datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: true, aspectRatio: 2.4, parsing: false,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: { type: "linear", ticks: { maxTicksLimit: 6, callback: function (v) { return day.format(new Date(v)); } } },
          y: { ticks: { callback: function (v) { return money.format(v); } } }
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: { callbacks: {
            title: function (items) { return items.length ? day.format(new Date(items[0].parsed.x)) : ""; },
            label: function (item) { return item.dataset.label + ": " + money.format(item.parsed.y); }
          } }
        }
      }
    });
  }

  var pointLabels = {
    id: "pointLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      ctx.save();
      ctx.font = "12px system-ui, sans-serif";
      ctx.fillStyle = "#1f2937";
      chart.data.datasets.forEach(function (ds, i) {
        chart.getDatasetMeta(i).data.forEach(function (pt, j) {
          var label = ds.data[j] && ds.data[j].label;
          if (label) { ctx.fillText(String(label), pt.x + 7, pt.y - 6); }
        });
      });
      ctx.restore();
    }
  };

  function mapChart(el) {
    var points = readSeries(el).map(function (p) { return { x: Number(p.x), y: Number(p.y), label: String(p.label || "") }; });
    return new window.Chart(el, {
      type: "scatter",
      data: { datasets: [{ data: points, pointRadius: 6, backgroundColor: "#2563eb" }] },
      options: {
        animation: false, responsive: true, maintainAspectRatio: true, aspectRatio: 1.5,
        scales: {
          x: { title: { display: true, text: el.getAttribute("data-x-label") || "" }, suggestedMin: 0, suggestedMax: 1.2 },
          y: { title: { display: true, text: el.getAttribute("data-y-label") || "" }, suggestedMin: 0, suggestedMax: 5 }
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (item) { return item.raw.label + " (×" + item.raw.x.toFixed(2) + ", " + item.raw.y + ")"; } } }
        }
      },
      plugins: [pointLabels]
    });
  }

  function drawOne(el) {
    var kind = el.getAttribute("data-chart");
    var chart = kind === "map" ? mapChart(el) : historyChart(el);
    if (chart) { el.dataset.drawn = "1"; }
  }

  function draw(root) {
    if (!window.Chart) { return; }
    root.querySelectorAll("canvas[data-chart]").forEach(function (el) {
      if (el.dataset.drawn || el.dataset.loading) { return; }
      var src = el.getAttribute("data-src");
      if (!src) { drawOne(el); return; }
      el.dataset.loading = "1";
      fetch(src, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.text() : "[]"; })
        .then(function (text) { el.setAttribute("data-series", text); drawOne(el); })
        .catch(function () { el.setAttribute("data-series", "[]"); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
