"""Plain text that must stay on one line: people's names, and the email headers built from
them (a line break in a header would let a name add headers of its own, and Django refuses
to send such a message at all)."""

import re

# Control characters (C0, DEL, C1) and line/paragraph separators become spaces; bidi
# overrides and isolates, which can make a name read backwards in the admin, go.
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def one_line(value: str) -> str:
    """`value` without control characters, its whitespace runs as single spaces, trimmed."""
    return " ".join(_BIDI.sub("", _BREAKS.sub(" ", value)).split())
