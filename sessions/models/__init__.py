"""The booking lifecycle's models, one module per part of it."""

from sessions.models.availability import AvailabilityRule, DateHours, ExternalCalendar, TimeOff
from sessions.models.booking import (
    Booking,
    BookingEvent,
    PostgresExclusionConstraint,
    SessionType,
    TsTzRange,
)
from sessions.models.documents import (
    Document,
    DocumentEvent,
    DocumentFile,
    DocumentTemplate,
    DocumentTemplateVersion,
    ReleaseChoice,
    SessionTypeDocument,
    Usage,
)
from sessions.models.questionnaires import (
    Answer,
    AnswerImage,
    Question,
    Questionnaire,
    QuestionnaireResponse,
    SessionGuide,
)
from sessions.models.slot_version import SlotVersion
from sessions.models.waitlist import WaitlistEntry

# The payments package's models, loaded with the app's; sessions.payments.models is their home.
from sessions.payments.catalogue import AddOn, BookingItem, Package
from sessions.payments.codes import CodeRedemption, DiscountCode
from sessions.payments.invoice_models import Invoice, InvoiceLine
from sessions.payments.models import Payment, Refund, StripeEvent
from sessions.payments.plans import Installment, PlanStep, SavedCard
from sessions.payments.vouchers import GiftVoucher, VoucherPayment, VoucherRefund

__all__ = [
    "AddOn",
    "Answer",
    "AnswerImage",
    "AvailabilityRule",
    "Booking",
    "BookingEvent",
    "BookingItem",
    "CodeRedemption",
    "DateHours",
    "DiscountCode",
    "Document",
    "DocumentEvent",
    "DocumentFile",
    "DocumentTemplate",
    "DocumentTemplateVersion",
    "ExternalCalendar",
    "GiftVoucher",
    "Installment",
    "Invoice",
    "InvoiceLine",
    "Package",
    "Payment",
    "PlanStep",
    "PostgresExclusionConstraint",
    "Question",
    "Questionnaire",
    "QuestionnaireResponse",
    "Refund",
    "ReleaseChoice",
    "SavedCard",
    "SessionGuide",
    "SessionType",
    "SessionTypeDocument",
    "SlotVersion",
    "StripeEvent",
    "TimeOff",
    "TsTzRange",
    "Usage",
    "VoucherPayment",
    "VoucherRefund",
    "WaitlistEntry",
]
