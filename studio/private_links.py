"""Links that open something private, kept out of the email log.

A client's booking link (and the questionnaire, payment, move and cancel pages under it), a
gallery's signed link, a share link and a sign-in link each carry a token that opens what
it names. The log keeps every email with the token replaced by a marker saying what it stood
for, e.g. `/booking/[private-link:booking:K7Q2MX4P]/cancel/`, shown to the studio as
"(private link, not kept)". Sending a logged email again makes each link afresh from its
marker: the booking's or gallery's current link, a new sign-in link for the same client.

Only working tokens are replaced: a booking or gallery token must carry a valid signature,
a share token must belong to a share link. Text that already looks like a marker (typed by
a client into their notes, say) is changed so that it never becomes a link.
"""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from functools import cache

from django.core import signing
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

MARKER = re.compile(r"\[private-link:(?P<kind>[a-z-]+)(?::(?P<held>[\w-]*))?\]")
SHOWN = _lazy("(private link, not kept)")
# A token in an address: everything up to the next "/", query, space, quote or bracket.
IN_ADDRESS = r"(?P<token>[^/?#\s\"'<>\\\[\]]+)"


class LinkGone(Exception):
    """A marker that can't become a working link again, with the reason for the studio."""


@dataclass(frozen=True)
class PrivateLink:
    kind: str
    url_name: str  # a route taking the token as its one argument
    held: Callable[[str], str | None]  # token -> what the marker keeps; None: not a live token
    token: Callable[[str, object], str]  # what the marker kept, the email -> a fresh token


# Each app registers the links it makes (its AppConfig.ready): the log names none of them.
LINKS: dict[str, PrivateLink] = {}


def private_link_register(link: PrivateLink) -> None:
    LINKS[link.kind] = link
    _addresses_under.cache_clear()


def signed_value(salt: str, token: str) -> str | None:
    """What a `Signer(salt=salt)` token signs, or None if its signature is not good."""
    try:
        return signing.Signer(salt=salt).unsign(token)
    except signing.BadSignature:
        return None


def to_the_client_now(email, client) -> None:
    """A link that acts as the client goes only to the client's current address: an
    address they have left (a mailbox lost, say) must not get one. Raises LinkGone."""
    if parseaddr(email.to)[1].lower() != client.email.lower():
        raise LinkGone(
            _("The client's email address has changed since; they can ask for a new link.")
        )


def _addresses() -> tuple[re.Pattern, dict[str, PrivateLink]]:
    """A pattern finding any private link's address (/booking/<token>, /gallery/link/<token>,
    ...), and which link each address part belongs to."""
    return _addresses_under(get_script_prefix())


@cache
def _addresses_under(script_prefix: str) -> tuple[re.Pattern, dict[str, PrivateLink]]:
    parts = {
        reverse(link.url_name, args=["TOKEN"]).split("TOKEN")[0]: link for link in LINKS.values()
    }
    pattern = "|".join(re.escape(part) for part in parts)
    return re.compile(f"(?P<part>{pattern}){IN_ADDRESS}"), parts


def redact(text: str, *, markers_typed: bool = True) -> str:
    """`text` with every working private token replaced by its marker. Markers already in
    `text` were typed by someone and are changed so that they stay text, unless
    `markers_typed` is False: text redacted before, whose markers are Sitting's own."""
    if markers_typed:
        text = MARKER.sub(lambda found: found[0].replace("[private-link:", "[private link:"), text)
    pattern, parts = _addresses()

    def replace(found: re.Match) -> str:
        link = parts[found["part"]]
        held = link.held(found["token"])
        if held is None:
            return found[0]
        if not re.fullmatch(r"[\w-]*", held):  # not something a marker can carry
            held = ""
        return found["part"] + (
            f"[private-link:{link.kind}:{held}]" if held else f"[private-link:{link.kind}]"
        )

    return pattern.sub(replace, text)


def resolve(text: str, *, email, made: dict | None = None) -> str:
    """`text` with each marker made into a working link again, for sending `email` (a
    SentEmail row) once more. `made` shares tokens between the parts of one email, so its
    text, HTML and invite carry the same sign-in link. Raises LinkGone."""
    made = {} if made is None else made

    def replace(found: re.Match) -> str:
        link = LINKS.get(found["kind"])
        if link is None:
            return str(SHOWN)
        held = found["held"] or ""
        if (link.kind, held) not in made:
            made[link.kind, held] = link.token(held, email)
        return made[link.kind, held]

    return MARKER.sub(replace, text)


def shown(text: str, *, as_html: bool = False) -> str:
    """`text` as the studio sees it in the log: each marker as "(private link, not kept)"."""
    words = html.escape(str(SHOWN)) if as_html else str(SHOWN)
    return MARKER.sub(lambda found: words, text)


def in_attachment(content: bytes, mimetype: str, change: Callable[[str], str]) -> bytes:
    """`change` applied to a text attachment (others are left as they are); a calendar
    file's long lines are unfolded first (a link may be split over two) and folded again."""
    if not mimetype.startswith("text/"):
        return content
    text = content.decode("utf-8")
    if mimetype.startswith("text/calendar"):
        from icalendar.parser import Contentline, Contentlines

        lines = Contentlines.from_ical(text)
        return Contentlines(Contentline(change(line)) for line in lines).to_ical()
    return change(text).encode("utf-8")
