"""In-process harness for the client's gallery page, until bench/pages.py measures it
through gunicorn: CPU time per request at 100 and 1,000 photos against a bare view and the
home page (the test client, DEBUG off, SQLite or DATABASE_URL), medians of interleaved
rounds, and the pages' HTML bytes. Not collected by the suite (no test_ prefix); run it as

    VAR_DIR=/tmp/var-bench .venv/bin/pytest tests/gallery/bench_gallery_page.py -s -q

ROUNDS and N set the rounds and the requests per round; PROFILE=cumulative (or tottime)
adds a profile of the 1,000-photo page and each query's time."""

import cProfile
import os
import pstats
import statistics
import time

import pytest
from django.http import HttpResponse
from django.urls import path, reverse

from gallery.models import Comment, Gallery
from gallery.proofing import favorite_list_get_or_create, favorite_set
from gallery.services import gallery_create_for_booking
from studio.urls import urlpatterns as site_urls
from tests.factories import BookingFactory
from tests.gallery.conftest import page_url, proofs_add, sign_in

urlpatterns = [path("bare/", lambda request: HttpResponse("ok")), *site_urls]


def seeded(anna, size: int) -> Gallery:
    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
    proofs_add(gallery, size)
    gallery.status = Gallery.Status.PUBLISHED
    gallery.save()
    favorites = favorite_list_get_or_create(gallery=gallery, name="Anna")
    for photo in gallery.photos.all()[: size // 10]:
        favorite_set(favorite_list=favorites, photo=photo, on=True)
        Comment.objects.create(photo=photo, author_name="Anna", body="Lovely")
    return gallery


def cpu_per_request(client, url: str, n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        assert client.get(url).status_code == 200
    return (time.process_time() - start) / n


@pytest.mark.urls("tests.gallery.bench_gallery_page")
def test_bench(client, studio, anna):
    urls = {
        "bare": "/bare/",
        "home": "/",
        "gallery-100": page_url(seeded(anna, 100)),
        "gallery-1000": page_url(seeded(anna, 1000)),
    }
    slug = urls["gallery-1000"].strip("/").split("/")[-1]
    urls["chunk-1000"] = reverse("gallery:photo-list", args=[slug]) + "?start=480"
    sign_in(client, anna)
    rounds = int(os.environ.get("ROUNDS", "5"))
    n = int(os.environ.get("N", "10"))
    for url in urls.values():
        client.get(url)  # warm
    times: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(rounds):
        for name, url in urls.items():
            times[name].append(cpu_per_request(client, url, n))
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, value in median.items():
        print(
            f"{name:14s} {value * 1000:8.2f} ms CPU/request  vs bare {median['bare'] / value:.4f}"
        )
    print(f"1000/100 ratio {median['gallery-1000'] / median['gallery-100']:.3f}")
    for name in ("gallery-100", "gallery-1000"):
        print(f"{name} HTML bytes {len(client.get(urls[name]).content)}")
    if os.environ.get("PROFILE"):
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            client.get(urls["gallery-1000"])
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ["PROFILE"]).print_stats(
            os.environ.get("PROFILE_FILTER", ""), 40
        )
        from django.db import connection

        spent = []

        def timed(execute, sql, params, many, context):
            begin = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent.append((time.perf_counter() - begin, sql[:150]))

        for name in ("gallery-100", "gallery-1000"):
            spent.clear()
            with connection.execute_wrapper(timed):
                client.get(urls[name])
            print(name, f"SQL total {sum(t for t, _ in spent) * 1000:.2f} ms")
            for took, sql in spent:
                print(f"  {took * 1000:6.2f} {sql}")
    assert median["bare"] > 0
