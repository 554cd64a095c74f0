// The details form: "Their name" and "About them" matter only for someone else. They are
// hidden while "Me" is chosen (shown again with anything typed in them or a message on
// them); without this script they simply stay on the page.
(function () {
  function boxes() {
    return ["div_id_photographed_name", "div_id_photographed_note"]
      .map(function (id) { return document.getElementById(id); })
      .filter(Boolean);
  }
  function update(form) {
    var chosen = form.querySelector("input[name=for_whom]:checked");
    var forSomeoneElse = chosen && chosen.value === "someone_else";
    boxes().forEach(function (box) {
      var field = box.querySelector("input, textarea");
      var needed = (field && field.value.trim() !== "") || box.querySelector(".invalid-feedback");
      box.hidden = !(forSomeoneElse || needed);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var radio = document.querySelector("input[name=for_whom]");
    if (!radio || !radio.form) { return; }
    var form = radio.form;
    update(form);
    form.addEventListener("change", function (event) {
      if (event.target.name === "for_whom") {
        update(form);
        if (event.target.value === "someone_else") {
          var name = document.getElementById("id_photographed_name");
          if (name) { name.focus(); }
        }
      }
    });
  });
})();
