// Record a payment received: choosing the deposit or the balance fills in what it may still
// bring in, unless the amount was typed by hand (then it is left as typed).
(function () {
  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (!radio.matches || !radio.matches("input[type=radio][name=kind][data-owed]")) { return; }
    var owed = JSON.parse(radio.dataset.owed);
    var amount = document.getElementById("id_amount");
    if (!amount) { return; }
    var offered = Object.keys(owed).map(function (kind) { return owed[kind]; });
    if (amount.value === "" || offered.indexOf(amount.value) !== -1) {
      amount.value = owed[radio.value] || "";
    }
  });
})();
