"""A run that skips the browser journeys says so loudly, and fails when CI requires them."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_skipped_journeys_are_announced_and_fail_the_run_when_required(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "BROWSER_SHARE"}
    }
    env |= {
        "CHROMIUM": "/nonexistent/chromium",
        "REQUIRE_BROWSER_TESTS": "1",
        "VAR_DIR": str(tmp_path),  # its own database, never this run's
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/browser/test_smoke.py",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert "BROWSER TEST(S) SKIPPED" in run.stdout
    assert "apt-get install -y chromium" in run.stdout
    assert " passed" not in run.stdout  # every journey in the module was skipped
    assert run.returncode == 1, run.stdout[-2000:]


def test_ci_shares_the_journeys_out_so_each_runs_once():
    from tests.conftest import browser_share

    modules = sorted(str(path) for path in (ROOT / "tests" / "browser").glob("test_*.py"))
    first, second = browser_share(modules, "1/2"), browser_share(modules, "2/2")
    assert first.isdisjoint(second)
    assert first | second == set(modules)
    assert abs(len(first) - len(second)) <= 1
