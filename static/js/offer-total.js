// The package page's running total: the chosen package plus the ticked add-ons, the
// session's length and the deposit, updated as the client chooses. The page shows the same
// figures from the server first, so it reads correctly without this script.
(function () {
  function format(form, minor) {
    var exponent = parseInt(form.dataset.exponent, 10) || 0;
    try {
      return new Intl.NumberFormat(form.dataset.locale, {
        style: "currency", currency: form.dataset.currency,
        minimumFractionDigits: exponent, maximumFractionDigits: exponent,
      }).format(minor / Math.pow(10, exponent));
    } catch (error) {
      return (minor / Math.pow(10, exponent)).toFixed(exponent) + " " + form.dataset.currency;
    }
  }
  function update(form) {
    var package_ = form.querySelector("input[name=package]:checked");
    if (!package_) return;
    var total = parseInt(package_.dataset.price, 10);
    var minutes = parseInt(package_.dataset.minutes, 10);
    form.querySelectorAll("input[name=add_on]:checked").forEach(function (addOn) {
      total += parseInt(addOn.dataset.price, 10);
      minutes += parseInt(addOn.dataset.minutes, 10);
    });
    var deposit = parseInt(package_.dataset.deposit, 10);
    form.querySelector("[data-offer-total]").textContent = format(form, total);
    form.querySelector("[data-offer-minutes]").textContent = minutes;
    var depositLine = form.querySelector("[data-offer-deposit-line]");
    if (depositLine) {
      depositLine.hidden = !deposit;
      form.querySelector("[data-offer-deposit]").textContent = format(form, deposit);
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-offer-form]").forEach(function (form) {
      form.addEventListener("change", function () { update(form); });
      update(form);
    });
  });
})();
