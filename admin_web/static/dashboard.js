// Live charts for the dashboard: uPlot fed by the SSE events `chart-history` and `chart-point`.
// Points are [at, {service: [rps, p95_ms, err_pct]}]; the last 15 minutes are kept.
(function () {
  "use strict";
  var WINDOW_S = 15 * 60;
  var METRICS = [["chart-rps", 0], ["chart-p95", 1], ["chart-err", 2]];
  var COLORS = ["#1b6ef3", "#e8590c", "#2b8a3e", "#ae3ec9", "#c92a2a"];
  var points = [];
  var charts = {};
  var services = [];

  function serviceNames() {
    var names = {};
    points.forEach(function (p) { Object.keys(p[1]).forEach(function (n) { names[n] = true; }); });
    return Object.keys(names).sort();
  }

  function columns(index) {
    var xs = points.map(function (p) { return p[0]; });
    var data = [xs];
    services.forEach(function (name) {
      data.push(points.map(function (p) {
        var v = p[1][name];
        return v ? v[index] : null;
      }));
    });
    return data;
  }

  // Rates, latencies and error ratios start at zero; a flat line then reads as flat, not as noise.
  function fromZero(u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; }

  function two(n) { return String(n).padStart(2, "0"); }

  // One short label per tick (uPlot's default adds a date line that collides on narrow charts);
  // seconds only while the ticks are less than a minute apart (the first minute of data).
  function clock(u, splits, axis, space, incr) {
    return splits.map(function (at) {
      var d = new Date(at * 1000);
      var hm = two(d.getHours()) + ":" + two(d.getMinutes());
      return incr < 60 ? hm + ":" + two(d.getSeconds()) : hm;
    });
  }

  function placeholder() {
    var p = document.createElement("p");
    p.className = "nodata";
    p.textContent = "Waiting for data…";
    return p;
  }

  function size(el) {
    return { width: Math.max(200, el.clientWidth || 300), height: 160 };
  }

  function build() {
    services = serviceNames();
    METRICS.forEach(function (m) {
      var el = document.getElementById(m[0]);
      if (!el || typeof uPlot === "undefined") { return; }
      if (charts[m[0]]) { charts[m[0]].destroy(); delete charts[m[0]]; }
      el.textContent = "";
      if (!points.length) { el.appendChild(placeholder()); return; }
      var series = [{}].concat(services.map(function (name, i) {
        return { label: name, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: false };
      }));
      var box = size(el);
      charts[m[0]] = new uPlot({
        width: box.width, height: box.height, series: series,
        scales: { y: { range: fromZero } },
        axes: [{ incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900], values: clock, space: 70 }, { size: 50 }],
        // No cursor, so no values to show: the legend names the series only (no "--" placeholders).
        legend: { show: true, live: false }, cursor: { show: false }
      }, columns(m[1]), el);
    });
  }

  // Charts follow their box: narrower on a phone, wider when the window grows.
  var resizing = null;
  function resize() {
    METRICS.forEach(function (m) {
      var el = document.getElementById(m[0]);
      var chart = charts[m[0]];
      if (!el || !chart) { return; }
      var box = size(el);
      if (box.width !== chart.width) { chart.setSize(box); }
    });
  }
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(resize, 100);
  });

  function refresh() {
    var now = Date.now() / 1000;
    points = points.filter(function (p) { return p[0] >= now - WINDOW_S; });
    if (serviceNames().join() !== services.join()) { build(); return; }
    METRICS.forEach(function (m) { if (charts[m[0]]) { charts[m[0]].setData(columns(m[1])); } });
  }

  document.addEventListener("htmx:sseBeforeMessage", function (evt) {
    var message = evt.detail;
    if (!message || (message.type !== "chart-history" && message.type !== "chart-point")) { return; }
    evt.preventDefault();  // data, not HTML: never swapped into the page
    var data = JSON.parse(message.data);
    if (message.type === "chart-history") {
      points = data;
      build();
    } else if (!points.length || data[0] > points[points.length - 1][0]) {
      points.push(data);
      refresh();
    }
  });
})();
