// The month calendar as an ARIA grid: one Tab stop, then the arrow keys move by day and
// week (past the month's edge into the next), Home/End to the week's first and last day,
// PageUp/PageDown to the same date a month away, and Enter opens a day with free times. Without this script the calendar is a
// plain table of links, every free day its own Tab stop.
(function () {
  "use strict";

  var DAY = 86400000;

  function iso(date) { return date.toISOString().slice(0, 10); }

  function shift(day, days) { return iso(new Date(Date.parse(day + "T00:00:00Z") + days * DAY)); }

  function weekday(day) { return (new Date(day + "T00:00:00Z").getUTCDay() + 6) % 7; } // Monday 0

  function setUp(grid) {
    var cells = {};
    grid.querySelectorAll("td[data-day]").forEach(function (cell) { cells[cell.dataset.day] = cell; });
    var days = Object.keys(cells).sort();
    if (!days.length) return;
    var target = function (cell) { return cell.querySelector("a") || cell; };
    grid.setAttribute("role", "grid");
    days.forEach(function (day) { target(cells[day]).tabIndex = -1; });
    var chosen = grid.querySelector("td[data-day] .day-chosen");
    var first = grid.querySelector("td[data-day] a");
    // Arrived by the keys from the month next door: "#focus-<day>" says where they were going.
    var asked = /^#focus-(\d{4}-\d{2}-\d{2})$/.exec(window.location.hash);
    var active = asked && cells[asked[1]]
      ? asked[1]
      : (chosen || first || cells[days[0]]).closest("td").dataset.day;
    target(cells[active]).tabIndex = 0;

    function move(day) {
      if (!cells[day]) { away(day); return; }
      target(cells[active]).tabIndex = -1;
      active = day;
      target(cells[active]).tabIndex = 0;
      target(cells[active]).focus();
    }

    function clamp(day) { return day < days[0] ? days[0] : day > days[days.length - 1] ? days[days.length - 1] : day; }

    function away(day) {  // to `day` in the month before or after, if it can be booked
      var rel = day < days[0] ? "prev" : "next";
      var link = grid.closest(".month-calendar").querySelector("a[rel=" + rel + "]");
      // A fragment naming no element: scrolling to one that can't take focus clears focus.
      if (link) window.location.href = link.href + "#focus-" + day;
    }

    function monthAway(months) {  // the same date a month away, or that month's last day
      var now = new Date(active + "T00:00:00Z");
      var then = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, 1));
      var last = new Date(Date.UTC(then.getUTCFullYear(), then.getUTCMonth() + 1, 0)).getUTCDate();
      then.setUTCDate(Math.min(now.getUTCDate(), last));
      return iso(then);
    }

    var keys = {
      ArrowLeft: function () { move(shift(active, -1)); },
      ArrowRight: function () { move(shift(active, 1)); },
      ArrowUp: function () { move(shift(active, -7)); },
      ArrowDown: function () { move(shift(active, 7)); },
      Home: function () { move(clamp(shift(active, -weekday(active)))); },
      End: function () { move(clamp(shift(active, 6 - weekday(active)))); },
      PageUp: function () { away(monthAway(-1)); },
      PageDown: function () { away(monthAway(1)); },
    };
    grid.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey || !keys[event.key]) return;
      event.preventDefault();
      keys[event.key]();
    });
    grid.addEventListener("focusin", function (event) {
      var cell = event.target.closest("td[data-day]");
      if (cell && cell.dataset.day !== active) move(cell.dataset.day);  // clicked or tapped
    });
    if (asked) target(cells[active]).focus();
  }

  function start() { document.querySelectorAll("table[data-month-grid]").forEach(setUp); }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
