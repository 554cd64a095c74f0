// The proofing gallery: placeholder colours, the grid brought a chunk at a time as it nears
// the screen, the lightbox (keyboard, tap and swipe, focus kept inside while open, comments on
// demand), hearts that stay in step between the grid and the lightbox, the comment counter.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // A photo's average colour behind its thumbnail while it loads, and its shape for the
  // justified rows (set here: the page's policy allows no inline styles).
  function paintPlaceholders(root) {
    root.querySelectorAll("img[data-colour]").forEach(function (img) {
      if (/^#[0-9a-f]{6}$/i.test(img.dataset.colour)) img.style.backgroundColor = img.dataset.colour;
      var ratio = img.getAttribute("width") / img.getAttribute("height");
      var tile = img.closest(".photo-tile");
      if (tile && ratio > 0 && isFinite(ratio)) tile.style.setProperty("--ratio", ratio.toFixed(4));
    });
  }

  function gridButton(photoId) {
    return document.getElementById("fav-" + photoId);
  }

  // The comment box has no maxlength (a browser would cut a long paste without a word):
  // near the limit it counts down, past it it says by how much, and the server refuses it
  // with the text kept.
  var COUNT_FROM = 200;
  // The server's refusal is said once: the count joins in only when the text changes (and
  // the refusal, now out of date, goes).
  function countComment(box, typed) {
    var counter = document.getElementById("comment-length");
    var max = parseInt(box.dataset.maxlength, 10);
    if (!counter || !max) return;
    var refusal = document.getElementById("comment-error");
    if (refusal && typed) {
      refusal.remove();
      box.removeAttribute("aria-invalid");
      box.setAttribute("aria-describedby", "comment-length");
      refusal = null;
    }
    var length = Array.from(box.value).length; // characters as the server counts them: 💖 is one
    var over = length - max;
    box.classList.toggle("is-invalid", over > 0 || Boolean(refusal));
    counter.classList.toggle("text-danger", over > 0);
    if (refusal) {
      counter.textContent = "";
    } else if (over > 0) {
      counter.textContent = over === 1 ? counter.dataset.overOne : counter.dataset.overText.replace("{over}", over.toLocaleString());
    } else if (max - length <= COUNT_FROM) {
      var left = max - length;
      counter.textContent = left === 1 ? counter.dataset.leftOne : counter.dataset.leftText.replace("{left}", left.toLocaleString());
    } else {
      counter.textContent = "";
    }
  }

  function countComments(root) {
    root.querySelectorAll("textarea[data-maxlength]").forEach(function (box) { countComment(box, false); });
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-maxlength]")) countComment(event.target, true);
  });

  // The selection page: ticking another list shows its photos and total at once (the page
  // for ?list=<id>), so what is sent is what was seen; the server asks again otherwise.
  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (radio.matches && radio.matches(".selection-form input[type=radio][name=list]")) {
      location.assign("?list=" + encodeURIComponent(radio.value));
    }
  });

  // The grid: the page holds its first screenful; "More photos" (a plain link to the next
  // screenful) brings the next chunk into place as it nears the screen, or when a set, the
  // viewer or the keyboard needs photos further on. One chunk is asked for at a time.
  var grid = null;
  var pending = Promise.resolve(false);
  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) { if (entry.isIntersecting) loadMore(); });
  }, { rootMargin: "0px 0px 1500px 0px" }) : null;

  function moreLink() { return grid && grid.querySelector("[data-more]"); }
  function gridStart() { return grid ? Number(grid.dataset.start) || 0 : 0; }
  function loadedEnd() { return gridStart() + grid.querySelectorAll(".photo-tile").length; }

  function merge(html, unheartedThen) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var more = grid.querySelector(".grid-more");
    var hadFocus = more && more.contains(document.activeElement);
    var added = [];
    Array.prototype.forEach.call(holder.content.querySelectorAll("section[data-set]"), function (section) {
      var tiles = Array.prototype.slice.call(section.querySelectorAll(".photo-tile")).filter(function (tile) {
        return !document.getElementById(tile.id);  // already here: never shown twice
      });
      var list = grid.querySelector('section[data-set="' + section.dataset.set + '"] ul');
      if (list) tiles.forEach(function (tile) { list.appendChild(tile); });
      else grid.insertBefore(section, more);
      added = added.concat(tiles);
    });
    if (more) {
      if (observer) observer.unobserve(more);
      more.remove();
    }
    var next = holder.content.querySelector(".grid-more");
    unheartedAtLink = unheartedThen;  // the new link counts as the server did when asked
    if (next) {
      grid.appendChild(next);
      if (observer) observer.observe(next);
    }
    added.forEach(function (tile) {
      paintPlaceholders(tile);
      if (window.htmx) htmx.process(tile);
    });
    // Whoever tabbed to "More photos" carries on from the first photo it brought.
    if (hadFocus && added.length) added[0].querySelector(".photo-open").focus();
  }

  // Showing favourites only, each heart taken off a photo already here since the next
  // chunk's link was made takes it out of the list the server counts in: that chunk starts
  // one earlier, or a photo would be skipped (and one later for a heart put back).
  var unheartedAtLink = 0;
  function unhearted() { return grid.querySelectorAll(".photo-tile:not(.is-favorite)").length; }
  function nextChunkUrl(url) {
    if (!("favoritesOnly" in grid.dataset)) return url;
    var shift = unhearted() - unheartedAtLink;
    return url.replace(/([?&]start=)(\d+)/, function (all, name, start) {
      return name + Math.max(0, Number(start) - shift);
    });
  }

  // Resolves true once the next chunk (through photo number `upto`, if given) is in place.
  function loadMore(upto) {
    pending = pending.then(function () {
      var link = moreLink();
      if (!link) return false;
      var unheartedThen = unhearted();
      var url = nextChunkUrl(link.dataset.more) + (upto ? "&upto=" + upto : "");
      return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("chunk " + response.status);
          return response.text();
        })
        .then(function (html) { merge(html, unheartedThen); return true; });
    }).catch(function () { return false; });
    return pending;
  }

  // Until the page holds the first `count` photos of the grid, or all of them.
  function loadThrough(count) {
    if (!moreLink() || loadedEnd() >= count) return Promise.resolve();
    return loadMore(count).then(function (loaded) { if (loaded) return loadThrough(count); });
  }

  document.addEventListener("click", function (event) {
    var more = event.target.closest("[data-more]");
    if (more && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      loadMore();
      return;
    }
    var jump = event.target.closest(".set-jump a[data-start]");
    if (!jump || !grid || Number(jump.dataset.start) < gridStart()) return;
    event.preventDefault();  // a set further on: its photos come here, not on another page
    var anchor = jump.hash.slice(1);
    loadThrough(Number(jump.dataset.start) + 1).then(function () {
      var heading = document.getElementById(anchor);
      if (!heading) return;
      if (location.hash === "#" + anchor) heading.scrollIntoView();
      else location.hash = anchor;
    });
  });

  ready(function () {
    paintPlaceholders(document);
    grid = document.getElementById("photo-grid");
    var firstMore = grid && grid.querySelector(".grid-more");
    if (firstMore && observer) observer.observe(firstMore);
    var dialog = document.getElementById("lightbox");
    if (!dialog) return;
    var image = document.getElementById("lightbox-image");
    var nameEl = document.getElementById("lightbox-name");
    var positionEl = document.getElementById("lightbox-position");
    var favorite = dialog.querySelector("[data-lightbox=favorite]");
    var comments = document.getElementById("lightbox-comments");
    var commentsToggle = dialog.querySelector("[data-lightbox=comments]");
    // Beside the photo where there is room for it; on a phone only when asked for, so the
    // photo keeps the screen. The choice holds from photo to photo.
    var commentsOpen = window.matchMedia("(min-width: 768px)").matches;
    var links = [];
    var index = -1;
    var opener = null;

    function syncHeart() {
      if (index < 0 || !favorite) return;
      var button = gridButton(links[index].dataset.photoId);
      favorite.setAttribute("aria-pressed", button ? button.getAttribute("aria-pressed") : "false");
    }

    function syncCommentsToggle() {
      if (!commentsToggle || index < 0) return;
      var count = links[index].dataset.commentCount || "0";
      commentsToggle.textContent = commentsToggle.dataset.label.replace("{count}", count);
      commentsToggle.setAttribute("aria-expanded", commentsOpen ? "true" : "false");
      comments.hidden = !commentsOpen;
    }

    // The count on the button follows what the panel shows (a comment just sent included).
    function countShown(link) {
      if (!comments.querySelector(".comment-list")) return;
      link.dataset.commentCount = comments.querySelectorAll(".comment-list .comment").length;
      syncCommentsToggle();
    }

    // Only the answer for the photo on screen is shown: moving on quickly never lets a slow
    // answer for the previous photo replace the comments (or a comment being typed).
    var commentsTicket = 0;
    function loadComments(link) {
      var ticket = ++commentsTicket;
      comments.textContent = "";
      if (!link.dataset.comments || !commentsOpen) return;
      fetch(link.dataset.comments, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          if (ticket !== commentsTicket) return;
          comments.innerHTML = html;
          if (window.htmx) htmx.process(comments);
          countComments(comments);
          countShown(link);
        })
        .catch(function () {});
    }

    function toggleComments() {
      commentsOpen = !commentsOpen;
      syncCommentsToggle();
      if (commentsOpen) loadComments(links[index]);
      else commentsTicket++;  // an answer still on its way stays out of the closed panel
    }

    function show(i) {
      links = Array.prototype.slice.call(document.querySelectorAll(".photo-open"));
      if (!links.length) return;
      index = (i + links.length) % links.length;
      var link = links[index];
      image.src = link.dataset.preview;
      image.alt = link.dataset.name;
      nameEl.textContent = link.dataset.name;
      var total = grid ? Number(grid.dataset.total) : links.length;
      positionEl.textContent = (gridStart() + index + 1) + " / " + total;
      syncHeart();
      if (!comments) return;
      syncCommentsToggle();
      loadComments(link);
    }

    // Past the last photo on the page, or back before the first, the grid brings the rest.
    function go(i) {
      links = Array.prototype.slice.call(document.querySelectorAll(".photo-open"));
      if ((i >= 0 && i < links.length) || !moreLink()) { show(i); return; }
      loadThrough(i < 0 ? Number(grid.dataset.total) : i + 1).then(function () {
        if (dialog.open) show(i);
      });
    }

    function open(link) {
      opener = link;
      links = Array.prototype.slice.call(document.querySelectorAll(".photo-open"));
      show(links.indexOf(link));
      if (!dialog.open) dialog.showModal();  // modal: the page behind is inert
      dialog.querySelector("[data-lightbox=close]").focus();
    }

    function toggleFavorite() {
      if (index < 0 || !favorite || favorite.disabled) return;
      var button = gridButton(links[index].dataset.photoId);
      if (button && !button.disabled) button.click();  // htmx posts it; the swap syncs back
    }

    document.addEventListener("click", function (event) {
      var link = event.target.closest(".photo-open");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      open(link);
    });

    dialog.addEventListener("click", function (event) {
      var action = event.target.closest("[data-lightbox]");
      if (!action) return;
      var what = action.dataset.lightbox;
      if (what === "close") dialog.close();
      else if (what === "prev") go(index - 1);
      else if (what === "next") go(index + 1);
      else if (what === "favorite") toggleFavorite();
      else if (what === "comments") toggleComments();
    });

    // Tab and Shift+Tab go round the lightbox's controls, never out to the browser.
    function trapFocus(event) {
      var focusable = Array.prototype.filter.call(
        dialog.querySelectorAll("button, a[href], textarea, input, select, [tabindex]:not([tabindex='-1'])"),
        function (el) { return !el.disabled && el.offsetParent !== null; }
      );
      if (!focusable.length) return;
      var first = focusable[0];
      var last = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }

    dialog.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key === "Tab") { trapFocus(event); return; }
      if (target.matches("textarea, input, select")) return;  // typing a comment
      if (event.key === " " && target.closest(".lightbox-comments")) return;  // scrolls them
      if (event.key === "ArrowLeft") { event.preventDefault(); go(index - 1); }
      else if (event.key === "ArrowRight") { event.preventDefault(); go(index + 1); }
      else if (event.key === "f" || event.key === "F") { event.preventDefault(); toggleFavorite(); }
      else if (event.key === " " && !target.matches("button, a")) { event.preventDefault(); toggleFavorite(); }
    });

    // Closed, the grid is where the viewer was: focus (and the scroll) on the photo last
    // shown, which may not be the one it was opened on.
    dialog.addEventListener("close", function () {
      var shown = index >= 0 && links[index] && document.contains(links[index]) ? links[index] : opener;
      image.removeAttribute("src");
      index = -1;
      if (shown) shown.focus();
    });

    // Swipe left or right on a phone, with one finger and the page at its normal size: two
    // fingers are a pinch, and a zoomed page pans (the browser's own zoom is never blocked).
    var swipe = null;
    dialog.addEventListener("touchstart", function (event) {
      var zoomed = window.visualViewport && window.visualViewport.scale > 1.01;
      var touch = event.touches[0];
      swipe = event.touches.length === 1 && !zoomed && !event.target.closest(".lightbox-comments")
        ? { x: touch.clientX, y: touch.clientY } : null;
    }, { passive: true });
    dialog.addEventListener("touchmove", function (event) {
      if (event.touches.length > 1) swipe = null;
    }, { passive: true });
    dialog.addEventListener("touchend", function (event) {
      if (!swipe || event.touches.length) return;
      var touch = event.changedTouches[0];
      var dx = touch.clientX - swipe.x;
      var dy = touch.clientY - swipe.y;
      swipe = null;
      if (Math.abs(dx) > 50 && Math.abs(dx) > 2 * Math.abs(dy)) go(index + (dx < 0 ? 1 : -1));
    });

    // A heart answered by the server: mark its tile, and the lightbox if it shows that photo.
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (comments && event.detail.target === comments) {
        countComments(comments);
        if (index >= 0) countShown(links[index]);
      }
      var button = event.detail.elt;
      if (!button || !button.classList || !button.classList.contains("fav-button")) return;
      var swapped = gridButton(button.dataset.photoId) || button;
      var tile = swapped.closest(".photo-tile");
      if (tile) tile.classList.toggle("is-favorite", swapped.getAttribute("aria-pressed") === "true");
      syncHeart();
    });
  });
})();
