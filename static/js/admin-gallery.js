// The photo grid on a gallery's admin page. A photo moves by dragging it onto another's
// place, or, once focused, with the arrow keys (Home and End: first and last), or with its
// ← and → buttons; each move saves the whole order of that grid at once. Without this
// script the buttons still work: they post the move and the page comes back.
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("photo-form");
    var status = document.getElementById("arrange-status");
    if (!form || !status) { return; }
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var dragged = null;

    function cards(grid) { return Array.prototype.slice.call(grid.querySelectorAll(".photo-card")); }

    function say(words, failed) {
      status.textContent = words;
      status.classList.toggle("failed", Boolean(failed));
    }

    function place(card) {
      var list = cards(card.parentElement);
      return card.dataset.name + ": " + (list.indexOf(card) + 1) + " of " + list.length + ".";
    }

    function save(grid, card) {
      var body = new FormData();
      body.append("csrfmiddlewaretoken", csrf);
      body.append("order", cards(grid).map(function (c) { return c.dataset.photo; }).join(","));
      var where = place(card);
      say(where + " Saving…");
      fetch(form.action, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.json();
        })
        .then(function () { say(where + " Saved."); })
        .catch(function () {
          say("The new order could not be saved. Reload the page and try again.", true);
        });
    }

    function moveTo(card, to) {
      var grid = card.parentElement, list = cards(grid), at = list.indexOf(card);
      to = Math.max(0, Math.min(list.length - 1, to));
      if (to === at) { say(place(card)); return false; }
      if (to < at) { list[to].before(card); } else { list[to].after(card); }
      save(grid, card);
      return true;
    }

    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-move]");
      if (!button) { return; }
      event.preventDefault();
      var card = button.closest(".photo-card");
      moveTo(card, cards(card.parentElement).indexOf(card) + parseInt(button.dataset.move, 10));
      button.focus();
    });

    form.addEventListener("keydown", function (event) {
      var card = event.target;
      if (!card.classList || !card.classList.contains("photo-card") || event.altKey || event.ctrlKey || event.metaKey) { return; }
      var at = cards(card.parentElement).indexOf(card);
      var to = {
        ArrowLeft: at - 1, ArrowUp: at - 1, ArrowRight: at + 1, ArrowDown: at + 1,
        Home: 0, End: Infinity
      }[event.key];
      if (to === undefined) { return; }
      event.preventDefault();
      moveTo(card, to);
      card.focus();
    });

    form.addEventListener("dragstart", function (event) {
      dragged = event.target.closest && event.target.closest(".photo-card");
      if (!dragged) { return; }
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.name);
      dragged.classList.add("dragging");
    });

    function target(event) {
      var card = event.target.closest && event.target.closest(".photo-card");
      return card && dragged && card !== dragged && card.parentElement === dragged.parentElement ? card : null;
    }

    form.addEventListener("dragover", function (event) {
      var card = target(event);
      if (!card) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      form.querySelectorAll(".drop-target").forEach(function (c) { if (c !== card) { c.classList.remove("drop-target"); } });
      card.classList.add("drop-target");
    });

    form.addEventListener("dragleave", function (event) {
      var card = event.target.closest && event.target.closest(".photo-card");
      if (card && !card.contains(event.relatedTarget)) { card.classList.remove("drop-target"); }
    });

    form.addEventListener("drop", function (event) {
      var card = target(event);
      if (!card) { return; }
      event.preventDefault();
      // The dragged photo takes the place of the one it is dropped on.
      moveTo(dragged, cards(card.parentElement).indexOf(card));
    });

    form.addEventListener("dragend", function () {
      form.querySelectorAll(".drop-target, .dragging").forEach(function (c) {
        c.classList.remove("drop-target", "dragging");
      });
      dragged = null;
    });
  });
})();
