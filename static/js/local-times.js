// "10:00 in London · 05:00 your time": when this device's time zone is not the studio's,
// every time marked by the studio_time tag also shows on the visitor's own clock. The
// studio's time stays first and unchanged; without this script it is all that shows.
(function () {
  "use strict";

  function clock(zone, withDay) {
    var options = { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (withDay) options.weekday = "short";
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined, options);
  }

  function dayIn(zone, moment) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(moment);
  }

  function localText(el, zone) {
    var studioZone = el.dataset.studioZone;
    var starts = new Date(el.dataset.starts);
    // Named with its weekday when the visitor's day is not the studio's (late or early times).
    var otherDay = dayIn(zone, starts) !== dayIn(studioZone, starts);
    var text = clock(zone, otherDay).format(starts);
    if (el.dataset.ends) text += "–" + clock(zone, false).format(new Date(el.dataset.ends));
    return text;
  }

  function clocksDiffer(moment, zone, studioZone) {
    var wall = function (z) { return dayIn(z, moment) + " " + clock(z, false).format(moment); };
    return wall(zone) !== wall(studioZone);
  }

  function differs(el, zone) {
    return clocksDiffer(new Date(el.dataset.starts), zone, el.dataset.studioZone);
  }

  function showLocalTimes() {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    var times = Array.prototype.slice.call(document.querySelectorAll(".zoned-time[data-starts]"));
    var notes = document.querySelectorAll("[data-local-zone-note]");
    if (!zone || !(times.length || notes.length)) return;
    // All or none: a page where only some times carried "your time" would read as if the
    // others were already on the visitor's clock.
    var other = times.length
      ? times.some(function (el) { return differs(el, zone); })
      : clocksDiffer(new Date(), zone, notes[0].dataset.studioZone);  // UTC is London's winter
    if (!other) return;
    times.forEach(function (el) {
      el.querySelector(".studio-time").textContent = el.dataset.both.replace("{local}", localText(el, zone));
      var label = el.querySelector(".zone-label");
      if (label) label.hidden = true;
    });
    notes.forEach(function (note) {
      note.textContent = note.dataset.localZoneNote.replace("{zone}", zone.split("/").pop().replace(/_/g, " "));
      note.hidden = false;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showLocalTimes);
  } else {
    showLocalTimes();
  }
})();
