"""The booking emails read as written for a person: the invite is mentioned once, and a
studio address of several lines lines up under "Where:" in plain text."""

from django.core import mail

from sessions.emails import booking_email_send
from studio.models import Studio
from tests.factories import BookingFactory


def test_a_moved_session_mentions_its_invite_once_and_the_address_lines_up(anna, studio):
    Studio.objects.filter(pk=studio.pk).update(address="12 Mill Lane\nLondon N1 2AS")
    booking = BookingFactory(client=anna)
    booking_email_send(booking_id=booking.pk, kind="confirmed")
    confirmed = mail.outbox[-1].body
    assert "Where:  12 Mill Lane\n        London N1 2AS\n" in confirmed
    assert confirmed.count("invit") == 1
    booking.calendar_sequence = 1
    booking.save(update_fields=["calendar_sequence"])
    booking_email_send(booking_id=booking.pk, kind="rescheduled", sequence=1)
    moved = mail.outbox[-1]
    assert "moved" in moved.subject.lower()
    text = moved.body.lower()
    assert text.count("invite") + text.count("invitation") == 1
    html = moved.alternatives[0][0].lower()
    assert html.count("invite") + html.count("invitation") == 1
