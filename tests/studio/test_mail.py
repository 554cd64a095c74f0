import email
from email import policy

from django.core.mail import EmailMultiAlternatives


def test_each_email_is_written_to_the_outbox_as_an_eml_file(settings):
    settings.EMAIL_BACKEND = "studio.mail.OutboxEmailBackend"  # pytest-django swaps in locmem
    message = EmailMultiAlternatives(
        subject="Your session on Friday",
        body="See you at 10:00.",
        to=["anna@example.com"],
    )
    message.attach_alternative("<p>See you at <b>10:00</b>.</p>", "text/html")
    assert message.send() == 1

    files = list(settings.EMAIL_OUTBOX_DIR.glob("*.eml"))
    assert len(files) == 1
    assert "Your-session-on-Friday" in files[0].name
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["To"] == "anna@example.com"
    assert parsed["Subject"] == "Your session on Friday"
    assert parsed.get_body(("plain",)).get_content().strip() == "See you at 10:00."
    assert "<b>10:00</b>" in parsed.get_body(("html",)).get_content()
