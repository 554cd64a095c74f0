"""A session type as sentences say it to a client: "your Family session", "an Engagement
session", "your Mini session"; and an email wording written as "your {session} session"
never says "session session"."""

import pytest

from sessions.models import SessionType
from studio.email_kinds import fill


@pytest.mark.parametrize(
    ("name", "called", "a_called"),
    [
        ("Family", "Family session", "a Family session"),
        ("Engagement", "Engagement session", "an Engagement session"),
        ("Mini session", "Mini session", "a Mini session"),
        ("Studio Sessions", "Studio Sessions", "a Studio Sessions"),
        ("  Headshot ", "Headshot session", "a Headshot session"),
    ],
)
def test_a_session_type_is_called_as_a_sentence_says_it(name, called, a_called):
    session_type = SessionType(name=name)
    assert str(session_type.called) == called
    assert session_type.a_called == a_called


def test_a_wording_that_adds_session_after_the_name_says_it_once():
    facts = {"session": "Family session", "name": "Anna"}
    assert fill("Hello {name}, your {session} session is tomorrow.", facts) == (
        "Hello Anna, your Family session is tomorrow."
    )
    assert fill("Your {session} on Friday", facts) == "Your Family session on Friday"
