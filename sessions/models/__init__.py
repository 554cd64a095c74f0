"""The booking lifecycle's models, one module per part of it."""

from sessions.models.booking import (
    AvailabilityRule,
    Booking,
    BookingEvent,
    DateHours,
    ExternalCalendar,
    PostgresExclusionConstraint,
    SessionType,
    TimeOff,
    TsTzRange,
)
from sessions.models.questionnaires import (
    Answer,
    AnswerImage,
    Question,
    Questionnaire,
    QuestionnaireResponse,
    SessionGuide,
)

# The payments package's models, loaded with the app's; sessions.payments.models is their home.
from sessions.payments.models import Payment, Refund, StripeEvent

__all__ = [
    "Answer",
    "AnswerImage",
    "AvailabilityRule",
    "Booking",
    "BookingEvent",
    "DateHours",
    "ExternalCalendar",
    "Payment",
    "PostgresExclusionConstraint",
    "Question",
    "Questionnaire",
    "QuestionnaireResponse",
    "Refund",
    "SessionGuide",
    "SessionType",
    "StripeEvent",
    "TimeOff",
    "TsTzRange",
]
