"""Gift vouchers on the site: the page to buy one (off to Stripe Checkout), the voucher's own
page that the buyer comes back to (by its signed link only), and its PDF."""

import logging

import stripe
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from sessions.access import private_response
from sessions.payments.errors import PaymentServiceUnavailable
from sessions.payments.views import checkout_redirect
from sessions.payments.voucher_documents import voucher_pdf
from sessions.payments.voucher_forms import GiftVoucherBuyForm
from sessions.payments.voucher_sales import (
    voucher_checkout_url,
    voucher_get_by_token,
    voucher_order_create,
    voucher_payment_refresh,
    voucher_token,
)
from sessions.payments.vouchers import GiftVoucher, VoucherPayment, voucher_remaining
from studio.selectors import studio_get

log = logging.getLogger(__name__)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def gift_voucher_buy(request):
    """Choose a voucher and who it is for, then pay on Stripe Checkout."""
    if not settings.PAYMENTS_ENABLED:
        raise Http404  # nothing can be paid online
    studio = studio_get()
    form = GiftVoucherBuyForm(request.POST or None, studio=studio)
    if request.method == "POST" and form.is_valid():
        sale = voucher_order_create(order=form.voucher_order())
        try:
            return checkout_redirect(voucher_checkout_url(voucher_payment_id=sale.pk))
        except PaymentServiceUnavailable as unavailable:
            messages.error(request, unavailable.message)
    return render(request, "sessions/gift_voucher_buy.html", {"form": form, "studio": studio})


def _voucher_or_404(token: str) -> GiftVoucher:
    voucher = voucher_get_by_token(token)
    if voucher is None:
        raise Http404
    return voucher


def _refreshed(voucher: GiftVoucher, session_id: str) -> GiftVoucher:
    """Back from Checkout before the webhook: ask Stripe, so the page can say it is paid."""
    sale = getattr(voucher, "payment", None)
    if sale is None or sale.status != VoucherPayment.Status.PENDING or not session_id:
        return voucher
    if session_id != sale.stripe_checkout_session_id:
        return voucher
    try:
        voucher_payment_refresh(voucher_payment_id=sale.pk, session_id=session_id)
    except stripe.StripeError:
        log.warning("Could not read voucher payment %s from Stripe", sale.pk, exc_info=True)
    return _voucher_or_404(voucher_token(voucher))


@never_cache
@require_safe
def gift_voucher_detail(request, token):
    """The voucher's page: paid, with its PDF; or still waiting for the payment."""
    voucher = _refreshed(_voucher_or_404(token), request.GET.get("session_id", ""))
    context = {
        "voucher": voucher,
        "token": token,
        "remaining": voucher_remaining(voucher),
        "cancelled": request.GET.get("payment") == "cancelled",
    }
    return private_response(render(request, "sessions/gift_voucher_detail.html", context))


@never_cache
@require_safe
def gift_voucher_pdf(request, token):
    voucher = _voucher_or_404(token)
    if voucher.status != GiftVoucher.Status.PAID:
        raise Http404
    response = HttpResponse(voucher_pdf(voucher), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{voucher.code}.pdf"'
    return private_response(response)
