"""A session booked under another name than the client record's (a parent booking for a
teenager, a partner's account) keeps that name after the session: the gallery is titled
and its emails greet the person who booked, and the studio's notices and calendar feed name
both."""

from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from gallery.emails import gallery_email_send, selection_email_send
from gallery.models import FavoriteList, Gallery, Selection
from gallery.services import gallery_create_for_booking
from sessions.models import Booking
from tests.factories import BookingFactory, PhotographerFactory, SessionTypeFactory


def test_the_gallery_and_calendar_use_the_name_typed_when_booking(client, studio, anna):
    maya = PhotographerFactory()
    booking = BookingFactory(
        client=anna,
        photographer=maya,
        session_type=SessionTypeFactory(name="Headshot"),
        booked_as="Ola Kowalska",
        status=Booking.Status.CONFIRMED,
    )
    gallery = gallery_create_for_booking(booking=booking)
    Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.PUBLISHED)

    assert gallery_email_send(gallery_id=gallery.pk, kind="ready")
    (ready,) = mail.outbox
    assert ready.to == [f"Ola Kowalska <{anna.email}>"]
    assert ready.body.startswith("Hello Ola,")
    assert "Headshot · Ola Kowalska" in ready.body  # the gallery's title
    assert "Anna" not in ready.body

    selection = Selection.objects.create(
        gallery=gallery,
        favorite_list=FavoriteList.objects.create(gallery=gallery, name="Ola"),
        status=Selection.Status.SUBMITTED,
        photo_count=3,
    )
    assert selection_email_send(selection_id=selection.pk)
    to_studio = mail.outbox[1]
    assert (
        to_studio.subject == "Selection from Ola Kowalska (client record: Anna Kowalska): 3 photos"
    )

    feed = client.get(reverse("sessions:calendar-feed", args=[maya.calendar_feed_token]))
    (event,) = Calendar.from_ical(feed.content).walk("VEVENT")
    assert str(event["summary"]) == "Headshot: Ola Kowalska (client record: Anna Kowalska)"
