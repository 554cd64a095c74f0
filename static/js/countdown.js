// "Held for 27 more minutes": counts down to data-countdown-until (an ISO time) and
// reloads the page when it reaches zero, so the client sees the hold has ended.
(function () {
  function update() {
    document.querySelectorAll("[data-countdown-until]").forEach(function (el) {
      var left = Date.parse(el.dataset.countdownUntil) - Date.now();
      var minutes = Math.max(0, Math.ceil(left / 60000));
      if (left <= 0) {
        if (!el.dataset.reloaded) { el.dataset.reloaded = "1"; window.location.reload(); }
        return;
      }
      el.textContent = minutes === 1 ? el.dataset.one : el.dataset.many.replace("%(n)s", minutes);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    update();
    setInterval(update, 15000);
  });
})();
