"""How the slot engine's cost grows with the bookings it must step around.

Computes a 31-day month for a session type offered by 3 photographers (hours 08:00-20:00
every day, 30-minute sessions every 15 minutes) with 50, 500 and 5,000 existing bookings,
side by side in one run, and prints the times and how they grow. Run: `make bench`.
The database side is pinned separately: five queries whatever the bookings
(tests/sessions/test_booking_create.py).
"""

import random
import statistics
import sys
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sessions.slots import Diary, Interval, SessionRules, WeeklyHours, available_slots

TZ = ZoneInfo("Europe/London")
FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)  # includes the October clock change
RULES = SessionRules(duration=timedelta(minutes=30), step=timedelta(minutes=15))
NOW = datetime(2026, 9, 20, tzinfo=UTC)
REPEATS = 7


def diaries(bookings: int, seed: int = 1) -> list[Diary]:
    rng = random.Random(seed)
    hours = [WeeklyHours(weekday, time(8), time(20)) for weekday in range(7)]
    busy = {pk: [] for pk in (1, 2, 3)}
    for _ in range(bookings):
        day = FIRST + timedelta(days=rng.randrange(31))
        start = datetime.combine(day, time(8), TZ) + timedelta(minutes=15 * rng.randrange(46))
        busy[rng.choice((1, 2, 3))].append(Interval(start, start + timedelta(minutes=30)))
    return [Diary(pk, weekly=hours, busy=intervals) for pk, intervals in busy.items()]


def measure(bookings: int) -> float:
    feed = diaries(bookings)
    times = []
    for _ in range(REPEATS):
        started = clock.perf_counter()
        available_slots(rules=RULES, diaries=feed, tz=TZ, now=NOW, first_day=FIRST, last_day=LAST)
        times.append(clock.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    results = {n: measure(n) for n in (50, 500, 5000)}
    for n, ms in results.items():
        print(f"{n:>6} bookings: {ms:8.2f} ms for the month")
    grow_10 = results[500] / results[50]
    grow_100 = results[5000] / results[50]
    print(
        f"\n10x the bookings costs x{grow_10:.2f}, 100x costs x{grow_100:.2f} "
        f"(linear would be x10 and x100)"
    )


if __name__ == "__main__":
    main()
