"""Pressing the same button twice at the same moment, in two threads."""

import threading

from django.db import connection

from sessions.documents.services import DocumentRefused
from sessions.payments.errors import PaymentRefused
from sessions.payments.redemptions import CodeRefused


def at_once(*presses) -> list[str]:
    """Run each press in its own thread, released together; what each came to ("done", or
    the refusal's message), sorted."""
    start = threading.Barrier(len(presses))
    outcomes: list[str] = []

    def attempt(press):
        try:
            start.wait()
            press()
            outcomes.append("done")
        except (DocumentRefused, CodeRefused, PaymentRefused) as refused:
            outcomes.append(refused.message)
        except BaseException as error:  # a deadlock or a 500 in the making
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(press,)) for press in presses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)
