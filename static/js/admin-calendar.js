/* The admin calendar's week and day grids: drag a session to another time or column to move
   it, or its lower edge to change its length; or, with the keyboard, Alt+arrows on a focused
   session (Alt+Shift+up/down for its length). Nothing moves here: each gesture proposes a
   move, and the server's move-to page (sessions/admin/calendar_moves.py) says what would
   change, asks whether to email the client, and does it through the same service as Move.
   That page is shown in a dialog, its form posted in the background; the calendar is then
   replaced by the page the server answers with, so changes show without a reload. Without
   JavaScript the session's link opens its page, where Move lists the free times. */
(function () {
  "use strict";
  var STEP = 15; // minutes in a grid row
  var DRAG_FROM = 5; // pixels a pointer moves before a press becomes a drag

  function grid() { return document.querySelector(".cal-week[data-can-move]"); }
  function dialog() { return document.getElementById("cal-move-dialog"); }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function isoDay(date) { return date.getUTCFullYear() + "-" + pad(date.getUTCMonth() + 1) + "-" + pad(date.getUTCDate()); }
  function addDays(day, days) {
    var date = new Date(day + "T00:00:00Z");
    date.setUTCDate(date.getUTCDate() + days);
    return isoDay(date);
  }
  function startOf(block) {
    var parts = block.dataset.start.split("T");
    var hm = parts[1].split(":");
    return { day: parts[0], minute: Number(hm[0]) * 60 + Number(hm[1]) };
  }
  function rowHeight(section) { return parseFloat(getComputedStyle(section).gridAutoRows) || 15; }
  function gridTop(section) { return section.querySelector(".cal-day-head").getBoundingClientRect().bottom; }

  /* The section (a day, or a photographer's column) under the pointer, and the minute of
     the day the pointer's row starts at. */
  function placeAt(x, y, week) {
    var sections = week.querySelectorAll(".cal-day");
    for (var i = 0; i < sections.length; i++) {
      var box = sections[i].getBoundingClientRect();
      if (x >= box.left && x < box.right) {
        var row = Math.floor((y - gridTop(sections[i])) / rowHeight(sections[i]));
        return { section: sections[i], minute: Number(week.dataset.firstMinute) + Math.max(0, row) * STEP };
      }
    }
    return null;
  }

  function propose(block, change) {
    var here = startOf(block);
    var section = block.closest(".cal-day");
    var photographer = change.photographer || section.dataset.photographer || block.dataset.photographer;
    var minute = change.minute === undefined ? here.minute : change.minute;
    var day = change.day || here.day;
    if (minute < 0) { day = addDays(day, -1); minute += 1440; } // across midnight
    if (minute >= 1440) { day = addDays(day, 1); minute -= 1440; }
    var params = new URLSearchParams({
      start: day + "T" + pad(Math.floor(minute / 60)) + ":" + pad(minute % 60),
      photographer: photographer,
      minutes: String(change.minutes || block.dataset.minutes),
      sequence: block.dataset.sequence,
      next: location.pathname + location.search
    });
    open(block.dataset.move + "?" + params.toString(), block);
  }

  function open(url, block) {
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) { show(html, block); })
      .catch(function () { showFailure(block); });
  }

  function failureNote(box) {
    var said = document.createElement("p");
    said.className = "errornote";
    said.setAttribute("role", "alert");
    said.textContent = box.dataset.failed;
    return said;
  }

  // Nothing to show: the page could not be had (no rights, signed out, offline).
  function showFailure(block) {
    var box = dialog();
    var said = failureNote(box);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "button";
    close.dataset.move = "cancel";
    close.textContent = box.dataset.close;
    box.replaceChildren(said, close);
    box.returnFocusTo = block || box.returnFocusTo;
    if (!box.open) { box.showModal(); }
    close.focus();
  }

  function show(html, block) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var confirm = page.querySelector("[data-calendar-confirm]");
    var box = dialog();
    if (!confirm || !box) { return; }
    box.replaceChildren(document.importNode(confirm, true));
    box.returnFocusTo = block || box.returnFocusTo;
    if (!box.open) { box.showModal(); }
    var form = box.querySelector("form");
    var heading = box.querySelector("h2[id]");
    if (heading) { box.setAttribute("aria-labelledby", heading.id); }
    var first = form && (form.querySelector("[aria-invalid=true]") || form.querySelector("button[type=submit]"));
    (first || box.querySelector("[data-move=cancel]")).focus();
  }

  function refresh(page, withMessages) {
    var fresh = page.getElementById("cal-grid");
    var here = document.getElementById("cal-grid");
    if (fresh && here) { here.replaceWith(document.importNode(fresh, true)); }
    if (!withMessages) { return; }
    var said = page.querySelector(".messagelist");
    var list = document.querySelector(".messagelist");
    if (list) { list.remove(); }
    if (said) { document.getElementById("content").before(document.importNode(said, true)); }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("#cal-move-dialog form");
    if (!form) { return; }
    event.preventDefault();
    form.querySelector("button[type=submit]").disabled = true; // one press, one move
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.text().then(function (html) { return [response, html]; }); })
      .then(function (answer) {
        if (!answer[0].ok) { fail(); return; }
        var page = new DOMParser().parseFromString(answer[1], "text/html");
        if (page.querySelector("[data-calendar-confirm]")) { // refused: say why, and show the
          show(answer[1]); // calendar as it is now (someone else may have changed it)
          fetch(location.href, { credentials: "same-origin" })
            .then(function (response) { return response.text(); })
            .then(function (html) { refresh(new DOMParser().parseFromString(html, "text/html"), false); });
          return;
        }
        var moved = dialog().returnFocusTo && dialog().returnFocusTo.dataset.move;
        refresh(page, true);
        close();
        var again = moved && document.querySelector('.cal-block[data-move="' + moved + '"]');
        if (again) { again.focus(); }
      })
      .catch(fail);
  });

  function swallowNextClick() {
    function swallow(event) { event.preventDefault(); event.stopPropagation(); }
    document.addEventListener("click", swallow, { capture: true, once: true });
    setTimeout(function () { document.removeEventListener("click", swallow, { capture: true }); }, 0);
  }

  // The form in the dialog could not be sent: said above it, to be pressed again.
  function fail() {
    var box = dialog();
    box.querySelector(".errornote") || box.prepend(failureNote(box));
    var button = box.querySelector("button[type=submit]");
    if (button) { button.disabled = false; }
  }

  function close() {
    var box = dialog();
    if (box && box.open) { box.close(); }
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("#cal-move-dialog [data-move=cancel]")) {
      event.preventDefault();
      close();
    }
    // Time off opened from the calendar comes back to this calendar once saved.
    var off = event.target.closest("a.cal-block.time-off");
    if (off && off.href.indexOf("next=") === -1) {
      off.href += (off.href.indexOf("?") === -1 ? "?" : "&") + "next=" + encodeURIComponent(location.pathname + location.search);
    }
  });

  /* Dragging: a press on a session (or its lower edge) that moves more than DRAG_FROM. */
  var drag = null;
  document.addEventListener("pointerdown", function (event) {
    var block = event.target.closest(".cal-week[data-can-move] .cal-block[data-move]");
    if (!block || event.button !== 0) { return; }
    drag = { block: block, x: event.clientX, y: event.clientY, resize: Boolean(event.target.closest("[data-resize]")), moving: false };
  });
  document.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    if (!drag.moving && Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) < DRAG_FROM) { return; }
    drag.moving = true;
    drag.block.classList.add("cal-dragging");
    var place = placeAt(event.clientX, event.clientY, grid());
    var target = document.getElementById("cal-drop");
    if (!place) { if (target) { target.remove(); } return; }
    if (!target) { target = document.createElement("div"); target.id = "cal-drop"; target.setAttribute("aria-hidden", "true"); }
    var here = startOf(drag.block);
    var start = drag.resize ? here.minute : place.minute;
    var minutes = drag.resize ? Math.max(STEP, place.minute + STEP - here.minute) : Number(drag.block.dataset.minutes);
    var week = grid();
    var row = 2 + Math.floor((start - Number(week.dataset.firstMinute)) / STEP);
    target.className = "cal-drop r-" + row + " s-" + Math.ceil(minutes / STEP);
    (drag.resize ? drag.block.closest(".cal-day") : place.section).appendChild(target);
    drag.place = { section: place.section, minute: start, minutes: minutes };
  });
  document.addEventListener("pointerup", function () {
    if (!drag) { return; }
    var done = drag;
    drag = null;
    var target = document.getElementById("cal-drop");
    if (target) { target.remove(); }
    done.block.classList.remove("cal-dragging");
    if (!done.moving || !done.place) { return; }
    swallowNextClick(); // the click that follows a drag must not open the session's page
    if (done.resize) {
      propose(done.block, { minutes: done.place.minutes });
    } else {
      propose(done.block, {
        day: done.place.section.dataset.date,
        minute: done.place.minute,
        photographer: done.place.section.dataset.photographer
      });
    }
  });

  /* Blocking: a press on empty time that moves down (or up) a row or more proposes blocking
     that span; a press that doesn't is the click it always was (book a session there). */
  var sweep = null;
  document.addEventListener("pointerdown", function (event) {
    var week = document.querySelector(".cal-week[data-block]");
    var section = event.target.closest && event.target.closest(".cal-day");
    if (!week || !section || !week.contains(section) || event.button !== 0) { return; }
    if (event.target.closest(".cal-block, .cal-day-head")) { return; }
    var place = placeAt(event.clientX, event.clientY, week);
    if (place) { sweep = { week: week, section: place.section, from: place.minute, to: place.minute, y: event.clientY }; }
  });
  document.addEventListener("pointermove", function (event) {
    if (!sweep) { return; }
    var place = placeAt(sweep.section.getBoundingClientRect().left + 1, event.clientY, sweep.week);
    if (!place || Math.abs(event.clientY - sweep.y) < DRAG_FROM) { return; }
    sweep.to = place.minute;
    sweep.moved = true;
    var target = document.getElementById("cal-drop");
    if (!target) { target = document.createElement("div"); target.id = "cal-drop"; target.setAttribute("aria-hidden", "true"); }
    var first = Math.min(sweep.from, sweep.to);
    var rows = (Math.max(sweep.from, sweep.to) - first) / STEP + 1;
    target.className = "cal-drop cal-drop-block r-" + (2 + (first - Number(sweep.week.dataset.firstMinute)) / STEP) + " s-" + rows;
    sweep.section.appendChild(target);
  });
  document.addEventListener("pointerup", function (event) {
    if (!sweep) { return; }
    var done = sweep;
    sweep = null;
    var target = document.getElementById("cal-drop");
    if (target) { target.remove(); }
    if (!done.moved || done.from === done.to) { return; }
    swallowNextClick(); // nor the empty half hour's "book here"
    var first = Math.min(done.from, done.to);
    var last = Math.max(done.from, done.to) + STEP;
    var day = done.section.dataset.date;
    function at(minute) { return minute >= 1440 ? addDays(day, 1) + "T00:00" : day + "T" + pad(Math.floor(minute / 60)) + ":" + pad(minute % 60); }
    var params = new URLSearchParams({ starts_at: at(first), ends_at: at(last), next: location.pathname + location.search });
    var whose = done.section.dataset.photographer || done.week.dataset.photographer;
    if (whose) { params.set("photographer", whose); }
    open(done.week.dataset.block + "?" + params.toString(), null);
  });

  // Sessions and empty half hours are links, which the browser would drag as links: they are
  // dragged here instead.
  document.addEventListener("dragstart", function (event) {
    var link = event.target.closest && event.target.closest(".cal-block[data-move], .cal-slot");
    if (link && link.closest(".cal-week[data-can-move], .cal-week[data-block]")) {
      event.preventDefault();
    }
  });
  document.addEventListener("pointercancel", function () {
    sweep = null;
    if (!drag) { return; }
    drag.block.classList.remove("cal-dragging");
    var target = document.getElementById("cal-drop");
    if (target) { target.remove(); }
    drag = null;
  });

  /* The keyboard: Alt+arrows on a focused session. */
  document.addEventListener("keydown", function (event) {
    var block = event.target.closest && event.target.closest(".cal-week[data-can-move] .cal-block[data-move]");
    if (!block || !event.altKey || ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].indexOf(event.key) < 0) { return; }
    event.preventDefault();
    var here = startOf(block);
    var up = event.key === "ArrowUp" ? -1 : event.key === "ArrowDown" ? 1 : 0;
    if (event.shiftKey && up) {
      propose(block, { minutes: Math.max(STEP, Number(block.dataset.minutes) + up * STEP) });
    } else if (up) {
      // By its session type's step between start times (30 minutes, say): from a start
      // clients could book to the next one, not to a quarter past that asks for an override.
      var every = Number(block.dataset.step) || STEP;
      propose(block, { minute: here.minute + up * every });
    } else {
      var step = event.key === "ArrowLeft" ? -1 : 1;
      var section = block.closest(".cal-day");
      if (section.dataset.photographer) { // a day for everyone: the next photographer's column
        var columns = Array.prototype.slice.call(grid().querySelectorAll(".cal-day"));
        var next = columns[columns.indexOf(section) + step];
        if (next) { propose(block, { photographer: next.dataset.photographer }); }
      } else {
        propose(block, { day: addDays(here.day, step) });
      }
    }
  });

  document.addEventListener("close", function (event) {
    if (event.target === dialog() && dialog().returnFocusTo && document.contains(dialog().returnFocusTo)) {
      dialog().returnFocusTo.focus();
    }
  }, true);
})();
