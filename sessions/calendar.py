"""Calendar invitations (.ics) for bookings, readable by every calendar application."""

from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event, vCalAddress, vText


def booking_invite(
    *,
    uid: str,
    sequence: int,
    method: str,
    status: str,
    summary: str,
    description: str,
    location: str,
    starts_at: datetime,
    ends_at: datetime,
    organizer_email: str,
    organizer_name: str,
    attendee_email: str,
    attendee_name: str,
    url: str,
    stamp: datetime,
) -> bytes:
    """An iCalendar file with one event. `method` is REQUEST for an emailed invite to a new
    or changed booking, CANCEL for an emailed cancellation, and PUBLISH for a file the
    client downloads (an event to add, not an invitation to answer, so it names no
    attendee: RFC 5546, 3.2.1). `uid` stays the same for the life of the booking and
    `sequence` grows with each change, so calendars update the event they already have."""
    calendar = Calendar()
    calendar.add("prodid", "-//Sitting//Portrait studio bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", starts_at)  # aware UTC: written with a Z, right in every zone
    event.add("dtend", ends_at)
    event.add("summary", summary)
    event.add("description", description)
    if location:
        event.add("location", location)
    event.add("url", url)
    event.add("status", status)
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = vText(organizer_name)
    event["organizer"] = organizer
    if method != "PUBLISH":
        attendee = vCalAddress(f"mailto:{attendee_email}")
        attendee.params["cn"] = vText(attendee_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    if status != "CANCELLED":
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", timedelta(days=-1))
        event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical()
