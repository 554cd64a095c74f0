"""A gift voucher as a printable PDF (the invoices' renderer), and its emails: to the buyer
once paid (the PDF attached), to the recipient on the buyer's day, to the buyer for each
refund of their payment. Each goes once."""

from email.utils import formataddr

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sessions.documents.pdf import html_pdf_render, plain_page_html
from sessions.payments.invoice_pdf import EXTRA_STYLE, _e, _facts, _logo_png
from sessions.payments.voucher_sales import voucher_url
from sessions.payments.vouchers import GiftVoucher, VoucherRefund, voucher_remaining
from studio.emailing import email_kind_send
from studio.money import money_format
from studio.selectors import studio_get


def _day(day) -> str:
    return date_format(day, "j F Y")


VOUCHER_STYLE = """
.voucher-code { font-size: 22pt; font-weight: bold; letter-spacing: 2pt; margin: 12pt 0; }
.voucher-message { font-style: italic; margin: 12pt 0; }
"""


HOW_TO_USE = gettext_lazy(
    "To use it, book at %(url)s and type the code in “Gift voucher or discount code”. "
    "What is not used on one session stays on the voucher for the next."
)


def voucher_pdf(voucher: GiftVoucher) -> bytes:
    """The voucher to print or pass on: for whom, its value, its code, until when."""
    studio = studio_get()
    value = money_format(voucher.value, voucher.currency)
    facts = [
        (_("For"), voucher.recipient_name),
        (_("From"), voucher.buyer_name),
        (_("Value"), value),
        (_("Towards"), voucher.package_name),
        (_("Valid until"), _day(voucher.expires_on) if voucher.expires_on else ""),
    ]
    book = settings.SITE_URL + reverse("sessions:session-type-list")
    body = (
        f"{_facts(facts)}"
        f'<p class="voucher-code">{_e(voucher.code)}</p>'
        + (f'<p class="voucher-message">{_e(voucher.message)}</p>' if voucher.message else "")
        + f"<p>{_e(HOW_TO_USE % {'url': book})}</p>"
        f'<p class="muted">{_e(_("Keep the code private: whoever has it can use it."))}</p>'
    )
    page = plain_page_html(
        title=_("Gift voucher"),
        body_html=body,
        studio_name=studio.name,
        studio_address=studio.address,
        reference=voucher.code,
        logo_png=_logo_png(),
        extra_style=EXTRA_STYLE + VOUCHER_STYLE,
    )
    return html_pdf_render(page, reference=voucher.code)


def voucher_email_send(*, voucher_id: int, to: str) -> bool:
    """Email the voucher's PDF to its buyer (`to="buyer"`, kind "gift-voucher") or its
    recipient (`to="recipient"`, kind "gift-voucher-recipient"), once each; the recipient's
    sending is then recorded. False when nothing went (sent before, void, turned off)."""
    voucher = GiftVoucher.objects.filter(pk=voucher_id, status=GiftVoucher.Status.PAID).first()
    if voucher is None:
        return False
    buyer = to == "buyer"
    address = voucher.buyer_email if buyer else voucher.recipient_email
    if not address:
        return False
    attachments = [(f"{voucher.code}.pdf", voucher_pdf(voucher), "application/pdf")]

    def context() -> dict:
        return {
            "name": (voucher.buyer_name if buyer else voucher.recipient_name).split()[0],
            "buyer": voucher.buyer_name,
            "recipient": voucher.recipient_name,
            "value": money_format(voucher.value, voucher.currency),
            "code": voucher.code,
            "message": voucher.message,
            "expires_on": _day(voucher.expires_on) if voucher.expires_on else "",
            "send_on": _day(voucher.send_on) if voucher.send_on else "",
            "recipient_email": voucher.recipient_email,
            "button_link": voucher_url(voucher, absolute=True)
            if buyer
            else settings.SITE_URL + reverse("sessions:session-type-list"),
        }

    sent = email_kind_send(
        kind="gift-voucher" if buyer else "gift-voucher-recipient",
        key=f"gift-voucher:{voucher.pk}:{'buyer' if buyer else 'recipient'}",
        to=formataddr((voucher.buyer_name if buyer else voucher.recipient_name, address)),
        context=context,
        reply_to=studio_get().contact_email or None,
        attachments=attachments,
    )
    if not buyer:
        GiftVoucher.objects.filter(Q(recipient_sent_at__isnull=True), pk=voucher.pk).update(
            recipient_sent_at=timezone.now()
        )
    return sent


def voucher_refund_email_send(*, voucher_refund_id: int) -> bool:
    """Tell the buyer a refund of what they paid for a voucher was made (kind
    "gift-voucher-refunded"), once per refund. False when nothing went (failed, no address
    left, turned off, sent before)."""
    refund = (
        VoucherRefund.objects.select_related("voucher_payment__voucher")
        .filter(pk=voucher_refund_id)
        .exclude(status=VoucherRefund.Status.FAILED)
        .first()
    )
    if refund is None or not refund.voucher_payment.voucher.buyer_email:
        return False
    voucher = refund.voucher_payment.voucher

    def context() -> dict:
        left = voucher_remaining(voucher) if voucher.status == GiftVoucher.Status.PAID else 0
        return {
            "name": voucher.buyer_name.split()[0] if voucher.buyer_name else "",
            "refund": money_format(refund.amount, refund.currency),
            "code": voucher.code,
            "recipient": voucher.recipient_name,
            "left": money_format(left, voucher.currency) if left else "",
        }

    return email_kind_send(
        kind="gift-voucher-refunded",
        key=f"gift-voucher-refund:{refund.pk}",
        to=formataddr((voucher.buyer_name, voucher.buyer_email)),
        context=context,
        reply_to=studio_get().contact_email or None,
    )
