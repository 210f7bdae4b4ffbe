/* Control room charts: drawn from the JSON the live partial carries, redrawn after each htmx
   swap. No animation, so a refresh does not pull the eye; colours are the desk's priority colours. */
(function () {
  "use strict";
  var COLOURS = { P1: "#b3261e", P2: "#a8530a", P3: "#1f5fa8", P4: "#5b6472" };
  var charts = [];

  function hourLabel(iso) {
    return new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/London" });
  }

  function draw() {
    var source = document.getElementById("cr-data");
    if (!source || typeof Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
    Chart.defaults.font.size = 15;
    Chart.defaults.color = "#14181f";
    var hours = document.getElementById("chart-hours");
    if (hours) {
      charts.push(new Chart(hours, {
        type: "bar",
        data: {
          labels: data.hours.map(hourLabel),
          datasets: Object.keys(data.priorities).map(function (p) {
            return { label: p, data: data.priorities[p], backgroundColor: COLOURS[p] };
          })
        },
        options: { animation: false, responsive: true,
                   scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
      }));
    }
    var channels = document.getElementById("chart-channels");
    if (channels) {
      charts.push(new Chart(channels, {
        type: "bar",
        data: { labels: data.channels.map(function (c) { return c[0]; }),
                datasets: [{ label: "contacts", data: data.channels.map(function (c) { return c[1]; }), backgroundColor: "#1f5fa8" }] },
        options: { animation: false, indexAxis: "y", plugins: { legend: { display: false } },
                   scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
      }));
    }
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "cr-live") { draw(); }
  });
})();
