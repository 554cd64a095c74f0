// "Copy" buttons in the admin: <button data-copy="#field">.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.querySelector(button.dataset.copy);
  if (!field) return;
  var label = button.textContent;
  function done() {
    button.textContent = button.dataset.copied || "Copied";
    setTimeout(function () { button.textContent = label; }, 2000);
  }
  field.select();
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
});
