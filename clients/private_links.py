"""Sign-in links in the email log (studio.private_links): never kept; sending a sign-in
email again makes a new link for the same client at the same address."""

from django.utils.translation import gettext as _

from clients.services import sign_in_link_create
from studio.private_links import LinkGone, PrivateLink, to_the_client_now


def _sign_in_held(token: str) -> str:
    return ""  # any token here opens an account, or did: never kept


def _sign_in_token(held: str, email) -> str:
    """A new sign-in link, only in a sign-in email going to its client's own address."""
    client = email.clients.first()
    if email.kind != "sign-in" or client is None:
        raise LinkGone(_("A sign-in link goes only to its client, in their sign-in email."))
    to_the_client_now(email, client)
    _link, token = sign_in_link_create(client=client)
    return token


LINKS = (PrivateLink("sign-in", "clients:sign-in-confirm", _sign_in_held, _sign_in_token),)
