from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from clients.forms import SignInForm
from clients.models import Client
from clients.services import sign_in_link_request, sign_in_link_use

CLIENT_SESSION_KEY = "client_id"
# Sign-in links asked for, per hour: for one email address, and from one address (IP).
SIGN_IN_RATE_PER_EMAIL = "5/h"
SIGN_IN_RATE_PER_IP = "20/h"


def client_from_request(request) -> Client | None:
    client_id = request.session.get(CLIENT_SESSION_KEY)
    return Client.objects.filter(pk=client_id).first() if client_id else None


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request):
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip()
        limited = is_ratelimited(
            request, group="sign-in:ip", key="ip", rate=SIGN_IN_RATE_PER_IP, increment=True
        ) or is_ratelimited(
            request,
            group="sign-in:email",
            key=lambda _group, _request: email.lower(),
            rate=SIGN_IN_RATE_PER_EMAIL,
            increment=True,
        )
        if not limited:  # past a limit nothing is sent, and the answer is the same
            sign_in_link_request(email=email)
        # The same answer whether or not the address is known.
        return render(request, "clients/sign_in_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "clients/sign_in.html", {"form": form})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_confirm(request, token):
    # GET shows a button and changes nothing, so a mail scanner that follows links
    # does not use up the link before the person clicks it.
    if request.method != "POST":
        return render(request, "clients/sign_in_confirm.html")
    client = sign_in_link_use(token=token)
    if client is None:
        messages.error(
            request, _("That link has expired or was already used. Here's a fresh one to ask for.")
        )
        return redirect("clients:sign-in")
    request.session.cycle_key()
    request.session[CLIENT_SESSION_KEY] = client.pk
    return redirect("clients:my-sessions")


@require_POST
def sign_out(request):
    request.session.flush()
    messages.info(request, _("You're signed out."))
    return redirect("home")
