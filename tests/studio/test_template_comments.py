"""Django's {# #} comments end with their line: one spread over two lines is printed on the
page as text (a client once saw a note about the viewer under their photos). Every template
keeps each {# #} on one line; longer notes use {% comment %}."""

from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"


@pytest.mark.parametrize(
    "path",
    sorted(TEMPLATES.rglob("*.html")) + sorted(TEMPLATES.rglob("*.txt")),
    ids=lambda path: str(path.relative_to(TEMPLATES)),
)
def test_no_comment_runs_over_a_line(path):
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        opened = line.count("{#")
        assert opened == line.count("#}"), f"{path.relative_to(TEMPLATES)}:{number}: {line}"
