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
from sessions.models.payments import Payment, Refund, StripeEvent
from sessions.models.questionnaires import (
    Answer,
    AnswerImage,
    Question,
    Questionnaire,
    QuestionnaireResponse,
    SessionGuide,
)

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
