"""Settings for bench/pages.py: Sitting's own settings, plus one bare view on the same
middleware (bench/pages_urls.py). Never used by the site itself."""

import os

from studio.settings import *  # noqa: F403
from studio.settings import CACHES

ROOT_URLCONF = "bench.pages_urls"
# Both databases' runs share one collectstatic; the cache keys of one run never meet another's
# (the PostgreSQL run may share a Redis database with earlier runs).
if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
CACHES["default"]["KEY_PREFIX"] = os.environ.get("BENCH_CACHE_PREFIX", "")
