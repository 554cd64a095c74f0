"""The folder queue under load: three producer processes, the Procfile's worker killed
(SIGKILL) twice mid-run and started again. Every task runs; an email runs twice at most
and is sent once. `bench/broker.py` runs the same soak with 5,000 tasks."""

import pytest

from bench.broker import soak
from studio.models import SentEmail
from tests.studio.test_background import database_url_for_subprocess


@pytest.mark.django_db(transaction=True)
def test_the_folder_queue_loses_nothing_when_its_worker_is_killed_twice(tmp_path):
    result = soak(
        var_dir=tmp_path / "var",
        tasks=600,
        worker_env={"DATABASE_URL": database_url_for_subprocess()},
        patience=30,
    )
    print(result.report("embedded"))
    assert (result.kills, result.crashes, result.unreadable) == (2, 0, 0)
    assert result.sent == result.ran == 602  # the producers' 600 and one held at each kill
    assert result.lost == 0
    # Each kill came after an email task had sent its email, before the task ended: that
    # task ran again on the next worker...
    assert result.email_runs_twice >= 2
    # ...and sent nothing the second time.
    assert result.emails_sent_twice == 0
    emails = SentEmail.objects.filter(key__startswith="soak:")
    assert emails.count() == result.emails == 62
    # A kill can also land inside another email's send, on the worker's second process: that
    # email may or may not have gone, so it is never sent again by itself; it stays
    # "sending" (the log's "not confirmed, send it again?"). Every other email went once.
    left_sending = emails.filter(status=SentEmail.Status.SENDING).count()
    assert left_sending <= result.kills
    assert result.emails - left_sending <= result.emails_sent <= result.emails
