// Questions that depend on an earlier answer show and hide as it changes. The server
// applies the same rule when saving, so this only spares the client irrelevant questions.
(function () {
  function answers(form, name) {
    return Array.prototype.filter
      .call(form.elements, function (el) { return el.name === name; })
      .filter(function (el) { return (el.type !== "radio" && el.type !== "checkbox") || el.checked; })
      .map(function (el) { return el.value.trim().toLowerCase(); });
  }
  function update(form) {
    // Until nothing changes: a question may depend on one placed after it.
    for (var pass = 0; pass < 20; pass++) {
      var changed = false;
      form.querySelectorAll("[data-show-when]").forEach(function (question) {
        var parent = document.getElementById("wrap-" + question.dataset.showWhen);
        var shown = !!parent && !parent.hidden &&
          answers(form, question.dataset.showWhen).indexOf(question.dataset.showValue.trim().toLowerCase()) !== -1;
        if (question.hidden === shown) { question.hidden = !shown; changed = true; }
      });
      if (!changed) { return; }
    }
  }
  // "Choose up to 3": once that many are ticked the others wait, and a draft saved with
  // more asks for some to be unticked. The server refuses more when the answers are sent.
  function limitChoices(form) {
    form.querySelectorAll("fieldset[data-max-choices]").forEach(function (fieldset) {
      var most = parseInt(fieldset.dataset.maxChoices, 10);
      var boxes = fieldset.querySelectorAll("input[type=checkbox]");
      var ticked = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
      boxes.forEach(function (box) { if (!box.checked) { box.disabled = ticked >= most; } });
      var warning = fieldset.querySelector("[data-limit-warning]");
      if (warning) { warning.hidden = ticked <= most; }
    });
  }
  // A long answer over the limit is said as it is typed (the server refuses it, and keeps
  // the other answers); no maxlength, which would cut a paste short without a word. Counted
  // as the server counts: characters, a line break as one. Typing in a box the server
  // refused takes its message away (it was about the text before), so one message shows.
  function sayLength(area) {
    var warning = document.getElementById(area.id + "-length");
    if (!warning) { return; }
    var value = area.value.trim();
    var count = Array.from(value).length;
    var most = parseInt(area.dataset.maxlength, 10);
    warning.hidden = count <= most;
    warning.textContent = count <= most ? "" : area.dataset.lengthWords
      .replace("%(count)s", count.toLocaleString()).replace("%(max)s", most.toLocaleString());
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-maxlength]")) {
      var refused = document.getElementById(event.target.id + "-error");
      if (refused) { refused.hidden = true; refused.classList.remove("d-block"); event.target.classList.remove("is-invalid"); }
      sayLength(event.target);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    // The server's own message stands for a box it refused, until the client types.
    document.querySelectorAll("textarea[data-maxlength]:not(.is-invalid)").forEach(sayLength);
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    document.querySelectorAll("form.questionnaire-form").forEach(function (form) {
      var autosave = form.querySelector("[data-autosave-url]");
      var dirty = false, sending = false;
      // Each send is numbered, so the server keeps the latest when two cross on the way.
      var page = form.elements.namedItem("sent_page"), number = form.elements.namedItem("sent_number");
      function counted() { if (number) { number.value = String(parseInt(number.value || "0", 10) + 1); } }
      if (page) { page.value = Date.now().toString(36) + Math.random().toString(36).slice(2, 12); }
      update(form);
      limitChoices(form);
      form.addEventListener("change", function () { update(form); limitChoices(form); dirty = true; counted(); });
      form.addEventListener("submit", function () { sending = true; counted(); });
      var pending = 0;
      form.addEventListener("htmx:beforeRequest", function () { pending = 0; });
      // Once the form is on its way (photos and all), a draft still waiting is not sent.
      form.addEventListener("htmx:confirm", function (event) { if (sending) { event.preventDefault(); } });
      form.addEventListener("change", function () { pending += 1; });
      form.addEventListener("htmx:afterRequest", function (event) {
        // Saved, and nothing changed while it was on its way.
        if (event.detail.successful && pending === 0) { dirty = false; }
      });
      // Leaving within the autosave's short delay: send the last answers anyway.
      window.addEventListener("pagehide", function () {
        if (!dirty || sending || !autosave || !navigator.sendBeacon) { return; }
        counted();
        var data = new URLSearchParams();
        new FormData(form).forEach(function (value, name) {
          if (typeof value === "string") { data.append(name, value); }
        });
        navigator.sendBeacon(autosave.dataset.autosaveUrl, data);
      });
    });
  });
})();
