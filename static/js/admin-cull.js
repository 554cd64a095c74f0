// The culling view (templates/admin/gallery/gallery/cull.html): move through a gallery's
// proofs with the arrow keys, P pick, X reject, U unflag, 0-5 stars, G open a burst's group,
// A accept its suggestion, ? the shortcuts; the same with the buttons. A change shows at
// once and is posted; if the post fails it is undone and the status line says so. The
// words come from the page (#cull-words), in the studio's language.
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector(".cull");
    var grid = document.getElementById("cull-grid");
    if (!root || !grid) { return; }
    var words = JSON.parse(document.getElementById("cull-words").textContent);
    var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
    var mayCull = root.dataset.mayCull === "true";
    var stage = document.querySelector(".cull-stage");
    var preview = document.getElementById("cull-preview");
    var faces = document.getElementById("cull-faces");
    var heading = document.getElementById("cull-current");
    var stageBadges = document.getElementById("cull-current-badges");
    var status = document.getElementById("cull-status");
    var help = document.getElementById("cull-help");
    var helpButton = document.getElementById("cull-help-button");
    var tiles = Array.prototype.slice.call(grid.querySelectorAll(".cull-tile"));
    var filter = "all";
    var open = {};  // group id -> shown whole
    var current = null;

    function say(text, failed) {
      status.textContent = text;
      status.classList.toggle("failed", Boolean(failed));
    }

    function matches(tile) {
      var d = tile.dataset;
      if (filter === "pick" || filter === "reject") { return d.flag === filter; }
      if (filter === "flagged") { return d.flags !== ""; }
      if (filter === "unreviewed") { return d.flag === "" && d.rating === "0"; }
      return !d.group || d.cover === "1" || Boolean(open[d.group]);
    }

    function visible() { return tiles.filter(function (tile) { return !tile.hidden; }); }

    function members(group) {
      return tiles.filter(function (tile) { return tile.dataset.group === group; });
    }

    function paintTile(tile) {
      var d = tile.dataset;
      var state = tile.querySelector("[data-state]");
      state.hidden = !d.flag;
      state.textContent = d.flag ? words[d.flag] : "";
      state.classList.toggle("is-pick", d.flag === "pick");
      state.classList.toggle("is-reject", d.flag === "reject");
      var stars = tile.querySelector("[data-stars]");
      var rating = parseInt(d.rating, 10);
      stars.hidden = rating === 0;
      stars.textContent = "";
      var shown = document.createElement("span");
      shown.setAttribute("aria-hidden", "true");
      shown.textContent = "★★★★★".slice(0, rating);
      var spoken = document.createElement("span");
      spoken.className = "visually-hidden";
      spoken.textContent = words.stars[rating];
      stars.append(shown, spoken);
      tile.classList.toggle("is-reject", d.flag === "reject");
      tile.classList.toggle("is-pick", d.flag === "pick");
    }

    function count() {
      var counts = { pick: 0, reject: 0, unrated: 0, flagged: 0, unreviewed: 0, all: tiles.length };
      tiles.forEach(function (tile) {
        var d = tile.dataset;
        if (d.flag) { counts[d.flag] += 1; }
        if (d.rating === "0") { counts.unrated += 1; }
        if (d.flag === "" && d.rating === "0") { counts.unreviewed += 1; }
        if (d.flags) { counts.flagged += 1; }
        d.flags.split(" ").forEach(function (name) { if (name) { counts[name] = (counts[name] || 0) + 1; } });
      });
      root.querySelectorAll("[data-count]").forEach(function (el) {
        el.textContent = String(counts[el.dataset.count] || 0);
      });
    }

    function layout() {
      tiles.forEach(function (tile) { tile.hidden = !matches(tile); });
      grid.querySelectorAll("[data-stack]").forEach(function (button) {
        button.setAttribute("aria-expanded", open[button.dataset.stack] ? "true" : "false");
      });
      root.querySelectorAll("[data-filter]").forEach(function (button) {
        button.setAttribute("aria-pressed", button.dataset.filter === filter ? "true" : "false");
      });
      if (current && current.hidden) {
        var after = tiles.slice(tiles.indexOf(current)).filter(function (t) { return !t.hidden; });
        select(after[0] || visible().slice(-1)[0] || null);
      } else if (!current) {
        select(visible()[0] || null);
      }
    }

    function drawFaces(tile) {
      faces.textContent = "";
      (tile.dataset.faces || "").split(";").forEach(function (box) {
        var v = box.split(" ").map(Number);
        if (v.length !== 5 || !v[4]) { return; }  // only the faces with closed eyes
        var el = document.createElement("div");
        el.className = "cull-face";
        el.style.left = v[0] * 100 + "%";
        el.style.top = v[1] * 100 + "%";
        el.style.width = v[2] * 100 + "%";
        el.style.height = v[3] * 100 + "%";
        var label = document.createElement("span");
        label.textContent = words.eyesClosed;
        el.append(label);
        faces.append(el);
      });
    }

    function paintStage() {
      if (!current) { stage.hidden = true; return; }
      stage.hidden = false;
      var d = current.dataset;
      heading.textContent = d.name;
      if (d.preview) { preview.src = d.preview; preview.hidden = false; } else { preview.hidden = true; }
      preview.alt = d.name;
      drawFaces(current);
      stageBadges.textContent = "";
      current.querySelectorAll(".cull-badges > li:not([hidden])").forEach(function (li) {
        if (!li.querySelector("button")) { stageBadges.append(li.cloneNode(true)); }
      });
      stage.querySelector("[data-do=pick]").setAttribute("aria-pressed", String(d.flag === "pick"));
      stage.querySelector("[data-do=reject]").setAttribute("aria-pressed", String(d.flag === "reject"));
      stage.querySelectorAll("[data-rating]").forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.dataset.rating === d.rating));
      });
      var groupButton = stage.querySelector("[data-do=group]");
      groupButton.hidden = !d.group;
      if (d.group) {
        groupButton.setAttribute("aria-expanded", open[d.group] ? "true" : "false");
        groupButton.firstChild.textContent = (open[d.group] ? words.hideGroup : words.showGroup) + " ";
      }
      stage.querySelector("[data-do=accept]").hidden = !(d.group && d.groupBest);
    }

    function select(tile, focus) {
      if (current) { current.classList.remove("is-current"); current.querySelector(".cull-thumb").removeAttribute("aria-current"); }
      current = tile;
      if (tile) {
        tile.classList.add("is-current");
        var thumb = tile.querySelector(".cull-thumb");
        thumb.setAttribute("aria-current", "true");
        if (focus) { thumb.focus(); } else { tile.scrollIntoView({ block: "nearest" }); }
      }
      paintStage();
    }

    function step(by) {
      var shown = visible();
      var at = shown.indexOf(current);
      var next = shown[Math.max(0, Math.min(shown.length - 1, at + by))];
      if (next) { select(next, grid.contains(document.activeElement)); }
    }

    function perRow() {
      var shown = visible();
      if (!shown.length) { return 1; }
      var top = shown[0].offsetTop, n = 0;
      while (n < shown.length && shown[n].offsetTop === top) { n += 1; }
      return Math.max(1, n);
    }

    // One post at a time, in the order the keys were pressed: each answer is the server's
    // word on its photos, so answers arriving out of order would undo a later key.
    var queue = [], sending = false;

    function post(fields, undo) {
      queue.push({ fields: fields, undo: undo });
      pump();
    }

    function pump() {
      if (sending || !queue.length) { return; }
      sending = true;
      var item = queue.shift();
      var body = new FormData();
      body.append("csrfmiddlewaretoken", csrf);
      Object.keys(item.fields).forEach(function (name) { body.append(name, item.fields[name]); });
      fetch(root.dataset.actUrl, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            if (!response.ok) { throw new Error(data.error || ""); }
            return data;
          });
        })
        .then(function (data) {
          Object.keys(data.photos || {}).forEach(function (id) {
            var tile = document.getElementById("cull-" + id);
            if (tile) { tile.dataset.flag = data.photos[id].flag; tile.dataset.rating = String(data.photos[id].rating); paintTile(tile); }
          });
          count();
          paintStage();
          if (data.notice) { say(data.notice); }
        })
        .catch(function (error) {
          item.undo();
          count();
          layout();
          paintStage();
          say(error.message || words.failed, true);
        })
        .then(function () { sending = false; pump(); });
    }

    // Change tiles at once; put them back if the post fails.
    function change(changes, fields) {
      if (!mayCull) { say(words.readonly, true); return; }
      var before = changes.map(function (c) { return [c.tile, c.tile.dataset.flag, c.tile.dataset.rating]; });
      changes.forEach(function (c) {
        if (c.flag !== undefined) { c.tile.dataset.flag = c.flag; }
        if (c.rating !== undefined) { c.tile.dataset.rating = String(c.rating); }
        paintTile(c.tile);
      });
      say("");
      count();
      paintStage();
      post(fields, function () {
        before.forEach(function (b) { b[0].dataset.flag = b[1]; b[0].dataset.rating = b[2]; paintTile(b[0]); });
      });
      if (filter !== "all") { layout(); }
    }

    function act(what, rating) {
      if (!current) { return; }
      var id = current.dataset.photo;
      if (what === "rate") {
        change([{ tile: current, rating: rating }], { do: "rate", photo: id, rating: rating });
      } else if (what === "pick" || what === "reject" || what === "restore") {
        var flag = what === "restore" ? "" : what;
        change([{ tile: current, flag: flag }], { do: what, photo: id });
      } else if (what === "group") {
        toggleGroup(current.dataset.group);
      } else if (what === "accept" && current.dataset.group && current.dataset.groupBest) {
        var best = current.dataset.groupBest;
        change(members(current.dataset.group).map(function (tile) {
          return { tile: tile, flag: tile.dataset.photo === best ? "pick" : "reject" };
        }), { do: "accept", group: current.dataset.group });
      }
    }

    function toggleGroup(group) {
      if (!group) { return; }
      open[group] = !open[group];
      if (filter !== "all") { filter = "all"; }
      layout();
      paintStage();
    }

    function toggleHelp(show) {
      help.hidden = show === undefined ? !help.hidden : !show;
      helpButton.setAttribute("aria-expanded", String(!help.hidden));
    }

    grid.addEventListener("click", function (event) {
      var stack = event.target.closest("[data-stack]");
      if (stack) { select(stack.closest(".cull-tile")); toggleGroup(stack.dataset.stack); return; }
      // The thumbnail is the tile's button; its name and badges choose it too (a mouse
      // aims at the words as often as at the picture).
      var tile = event.target.closest(".cull-tile");
      if (tile) { select(tile, true); }
    });
    stage.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) { return; }
      if (button.dataset.rating !== undefined) { act("rate", parseInt(button.dataset.rating, 10)); }
      else if (button.dataset.do) { act(button.dataset.do); }
    });
    root.querySelectorAll("[data-filter]").forEach(function (button) {
      button.addEventListener("click", function () { filter = button.dataset.filter; layout(); });
    });
    helpButton.addEventListener("click", function () { toggleHelp(); });

    var keys = { p: "pick", x: "reject", u: "restore", g: "group", a: "accept" };
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (event.target.closest("input, textarea, select, [contenteditable]")) { return; }
      var key = event.key;
      if (key === "?") { toggleHelp(); }
      else if (key === "Escape" && !help.hidden) { toggleHelp(false); }
      else if (key === "ArrowRight") { step(1); }
      else if (key === "ArrowLeft") { step(-1); }
      else if (key === "ArrowDown") { step(perRow()); }
      else if (key === "ArrowUp") { step(-perRow()); }
      else if (/^[0-5]$/.test(key)) { act("rate", parseInt(key, 10)); }
      else if (keys[key.toLowerCase()]) { act(keys[key.toLowerCase()]); }
      else { return; }
      event.preventDefault();
    });

    tiles.forEach(paintTile);
    count();
    layout();
  });
})();
