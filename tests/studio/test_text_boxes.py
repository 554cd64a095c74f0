"""Boxes of several lines: a browser counts each line break as one character against the
box's `maxlength` but sends it as two (CR LF), so a text the box let through must not be
refused as too long; the line breaks are kept as one character each."""

import pytest

from gallery.forms import COMMENT_MAX, CommentForm
from sessions.forms import BookingDetailsForm
from sessions.models import Booking

NOTES_MAX = Booking._meta.get_field("client_notes").max_length


def as_a_browser_sends(limit: int) -> str:
    """A text of `limit` characters as the browser counted it, three lines, sent with CR LF."""
    line = "x" * ((limit - 2) // 3)
    last = "y" * (limit - 2 - 2 * len(line))
    return "\r\n".join([line, line, last])


def test_a_booking_note_as_long_as_the_box_allows_is_kept_with_its_line_breaks():
    sent = as_a_browser_sends(NOTES_MAX)
    assert len(sent) == NOTES_MAX + 2  # what the server receives
    form = BookingDetailsForm(
        {"name": "Zoe Quinn", "email": "zoe@example.com", "notes": sent, "for_whom": "me"}
    )
    assert form.is_valid(), form.errors
    notes = form.cleaned_data["notes"]
    assert len(notes) == NOTES_MAX
    assert notes.count("\n") == 2
    assert "\r" not in notes


def test_a_note_longer_than_the_box_is_still_refused_with_its_length():
    form = BookingDetailsForm(
        {"name": "Zoe Quinn", "email": "zoe@example.com", "notes": "x\r\n" * NOTES_MAX + "x"}
    )
    assert not form.is_valid()
    assert form.errors["notes"] == [
        f"Please keep this to {NOTES_MAX} characters or fewer (it has {2 * NOTES_MAX + 1})."
    ]


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_a_comment_as_long_as_allowed_is_kept_whatever_line_breaks_it_came_with(ending):
    form = CommentForm({"body": "a" * (COMMENT_MAX - 2) + ending + "b"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["body"].endswith("a\nb")
