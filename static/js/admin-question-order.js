// Up and down buttons on each question of a questionnaire in the admin: they move the
// question and renumber every "order" field, so saving keeps the order shown.
(function () {
  function renumber(group) {
    group.querySelectorAll(".inline-related:not(.empty-form)").forEach(function (item, index) {
      var field = item.querySelector("input[name$='-position']");
      if (field) { field.value = (index + 1) * 10; }
    });
  }
  function move(item, direction) {
    var sibling = direction < 0 ? item.previousElementSibling : item.nextElementSibling;
    while (sibling && !sibling.classList.contains("inline-related")) {
      sibling = direction < 0 ? sibling.previousElementSibling : sibling.nextElementSibling;
    }
    if (!sibling || sibling.classList.contains("empty-form")) { return; }
    if (direction < 0) { sibling.before(item); } else { sibling.after(item); }
    renumber(item.closest(".inline-group"));
    item.querySelector("button.question-" + (direction < 0 ? "up" : "down")).focus();
  }
  function addButtons(item) {
    var heading = item.querySelector("h3");
    if (!heading || item.classList.contains("empty-form") || heading.querySelector(".question-up")) { return; }
    [["up", -1, "Move up"], ["down", 1, "Move down"]].forEach(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "question-" + spec[0];
      button.textContent = spec[0] === "up" ? "↑" : "↓";
      button.setAttribute("aria-label", spec[2]);
      button.addEventListener("click", function () { move(item, spec[1]); });
      heading.appendChild(button);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#questions-group .inline-related").forEach(addButtons);
    document.addEventListener("formset:added", function (event) {
      addButtons(event.target);
      renumber(event.target.closest(".inline-group"));
    });
  });
})();
