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

  /* A series' colour comes from the server (one colour per competitor, as in the reports). */
  function colourOf(s, i) {
    var c = String(s.color || "");
    return /^#[0-9a-fA-F]{6}$/.test(c) ? c : PALETTE[i % PALETTE.length];
  }

  function dashOf(s) {
    return String(s.dash || "").split(/\s+/).filter(Boolean).map(Number).filter(function (n) { return n >= 0; });
  }

  /* Legend samples: a short line drawn in the series' colour and dashes. */
  function lineSamples(chart) {
    var items = window.Chart.defaults.plugins.legend.labels.generateLabels(chart);
    items.forEach(function (item) {
      var ds = chart.data.datasets[item.datasetIndex];
      var sample = document.createElement("canvas");
      sample.width = 28; sample.height = 8;
      var ctx = sample.getContext("2d");
      ctx.strokeStyle = ds.borderColor; ctx.lineWidth = 2; ctx.setLineDash(ds.borderDash || []);
      ctx.beginPath(); ctx.moveTo(0, 4); ctx.lineTo(28, 4); ctx.stroke();
      item.pointStyle = sample;
    });
    return items;
  }

  function historyChart(el) {
    var now = Date.now();
    var datasets = readSeries(el).map(function (s, i) {
      var pts = (s.points || [])
        .filter(function (p) { return p.y !== null && p.y !== undefined; })
        .map(function (p) { return { x: Date.parse(p.t), y: Number(p.y) }; });
      if (pts.length) { pts.push({ x: now, y: pts[pts.length - 1].y }); }
      var colour = colourOf(s, i);
      /* Chart.js's "before": a price holds (flat) until the day its successor was seen, then steps. */
      return {
        label: String(s.label || ""), data: pts, stepped: "before", borderWidth: 2, pointRadius: 2,
        borderColor: colour, backgroundColor: colour, borderDash: dashOf(s)
      };
    });
    return new window.Chart(el, {
      type: "line",
      data: { datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: { type: "linear", ticks: { maxTicksLimit: 5, maxRotation: 0, callback: function (v) { return day.format(new Date(v)); } } },
          y: { beginAtZero: true, ticks: { maxTicksLimit: 6, callback: function (v) { return money.format(v); } } }
        },
        plugins: {
          /* a legend sample is a short line in the series' colour and dashes */
          legend: { position: "bottom", labels: { usePointStyle: true, pointStyleWidth: 30, generateLabels: lineSamples } },
          tooltip: { callbacks: {
            title: function (items) { return items.length ? day.format(new Date(items[0].parsed.x)) : ""; },
            label: function (item) { return item.dataset.label + ": " + money.format(item.parsed.y); }
          } }
        }
      }
    });
  }

  function overlaps(a, b) {
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  }

  /* Where each point's name goes: the first of eight places around the point that stays inside the
     plot and clears the names already placed and every point; else the least crowded one. */
  function placeLabels(chart, ctx) {
    var area = chart.chartArea;
    var placed = [];
    var dots = [];
    chart.data.datasets.forEach(function (ds, i) {
      chart.getDatasetMeta(i).data.forEach(function (pt) { dots.push({ x: pt.x - 6, y: pt.y - 6, w: 12, h: 12 }); });
    });
    chart.data.datasets.forEach(function (ds, i) {
      chart.getDatasetMeta(i).data.forEach(function (pt, j) {
        var label = ds.data[j] && ds.data[j].label;
        if (!label) { return; }
        var w = ctx.measureText(String(label)).width, h = 14, gap = 8;
        var spots = [
          [pt.x + gap, pt.y - h / 2], [pt.x - gap - w, pt.y - h / 2], [pt.x - w / 2, pt.y - gap - h],
          [pt.x - w / 2, pt.y + gap], [pt.x + gap, pt.y - gap - h], [pt.x - gap - w, pt.y - gap - h],
          [pt.x + gap, pt.y + gap], [pt.x - gap - w, pt.y + gap]
        ];
        var best = null, bestScore = Infinity;
        spots.forEach(function (s) {
          var box = { x: s[0], y: s[1], w: w, h: h };
          var outside = box.x < area.left || box.x + w > area.right || box.y < area.top || box.y + h > area.bottom;
          var score = (outside ? 100 : 0) + placed.filter(function (b) { return overlaps(b, box); }).length * 10 +
            dots.filter(function (d) { return overlaps(d, box); }).length;
          if (score < bestScore) { best = box; bestScore = score; }
        });
        for (var step = 1; bestScore >= 10 && step < 12; step++) {  /* still on a name: slide down or up */
          var dy = (step % 2 ? 1 : -1) * Math.ceil(step / 2) * (h + 1);
          var moved = { x: best.x, y: best.y + dy, w: w, h: h };
          if (moved.y >= area.top && moved.y + h <= area.bottom && !placed.some(function (b) { return overlaps(b, moved); })) {
            best = moved; bestScore = 0;
          }
        }
        best.label = String(label);
        best.colour = ds.data[j].color;
        placed.push(best);
      });
    });
    return placed;
  }

  var pointLabels = {
    id: "pointLabels",
    beforeDatasetsDraw: function (chart) {  /* under the points: a name never hides a player */
      var ctx = chart.ctx;
      ctx.save();
      ctx.font = "12px system-ui, sans-serif";
      ctx.textBaseline = "top";
      var boxes = placeLabels(chart, ctx);
      boxes.forEach(function (b) {
        ctx.fillStyle = "rgba(255,255,255,.85)";
        ctx.fillRect(b.x - 1, b.y, b.w + 2, b.h);
        ctx.fillStyle = "#1f2937";
        ctx.fillText(b.label, b.x, b.y + 1);
      });
      ctx.restore();
      chart.$labelBoxes = boxes;  /* read by the browser tests */
    }
  };

  function mapChart(el) {
    var points = readSeries(el).map(function (p, i) {
      return { x: Number(p.x), y: Number(p.y), label: String(p.label || ""), color: colourOf(p, i) };
    });
    return new window.Chart(el, {
      type: "scatter",
      data: { datasets: [{
        data: points, pointRadius: 6,
        backgroundColor: points.map(function (p) { return p.color; })
      }] },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        layout: { padding: { right: 8, top: 4 } },
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
