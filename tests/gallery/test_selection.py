"""Sending the selection: straight to the studio within the package; through Stripe Checkout
when there are extra photos (submitted only once paid); reopened by the client or the studio."""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from gallery.models import Favorite, FavoriteList, Gallery, Selection
from gallery.proofing import favorite_list_get_or_create, favorite_set
from gallery.selection import SelectionRefused, selection_submit, selection_withdraw
from sessions.models import Payment, Refund
from tests.gallery.conftest import heart, page_url, sign_in


def selection_url(gallery) -> str:
    return reverse("gallery:selection", args=[gallery.slug])


def favorites(gallery, photos, name="Anna") -> FavoriteList:
    favorite_list = favorite_list_get_or_create(gallery=gallery, name=name)
    for photo in photos:
        favorite_set(favorite_list=favorite_list, photo=photo, on=True)
    return favorite_list


def test_a_selection_within_the_package_goes_straight_to_the_studio(
    client, published, photos, anna, studio, run_tasks
):
    sign_in(client, anna)
    heart(client, published, photos[0])
    heart(client, published, photos[2])
    review = client.get(selection_url(published))
    assert "2 photos · 2 included in your package" in review.text
    assert "Send my selection" in review.text
    with run_tasks():
        sent = client.post(selection_url(published), {"action": "submit"})
    assert sent.status_code == 302
    published.refresh_from_db()
    assert published.status == Gallery.Status.SELECTION_SUBMITTED
    selection = published.selection
    assert selection.status == Selection.Status.SUBMITTED
    assert sorted(selection.photos.values_list("original_name", flat=True)) == [
        "IMG_0001.JPG",
        "IMG_0003.JPG",
    ]
    assert "Your selection is with the studio" in client.get(selection_url(published)).text
    # The studio is told once, with the filter string ready for Lightroom; the client is
    # thanked, and told what happens next.
    by_to = {message.to[0]: message for message in mail.outbox}
    assert len(by_to) == len(mail.outbox) == 2
    email = by_to[f"{studio.name} <{studio.contact_email}>"]
    assert "Anna Kowalska has sent 2 photos" in email.body
    assert "IMG_0001, IMG_0003" in email.body
    thanks = by_to["Anna Kowalska <anna@example.com>"]
    assert thanks.subject == "We have your selection: 2 photos"
    assert f"Your selection of 2 photos from “{published.title}” is with Lumen Portraits." in (
        thanks.body
    )
    assert "What happens next: we edit the photos you chose" in thanks.body
    assert "extra" not in thanks.body  # within the package: nothing to pay
    assert thanks.reply_to == [studio.contact_email]
    # Sending again changes nothing.
    with run_tasks():
        client.post(selection_url(published), {"action": "submit"})
    assert Selection.objects.count() == 1
    assert len(mail.outbox) == 2


def test_the_client_chooses_whose_favorites_to_send(client, published, photos, anna, run_tasks):
    favorites(published, photos[:1], name="Anna")
    grandma = favorites(published, photos, name="Grandma")
    sign_in(client, anna)
    review = client.get(selection_url(published))
    assert "Whose favorites should the studio use?" in review.text
    with run_tasks():
        client.post(
            selection_url(published),
            {"action": "submit", "list": grandma.pk, "shown": grandma.pk},
        )
    published.refresh_from_db()
    assert published.selection.favorite_list == grandma
    assert published.selection.photo_count == 3
    # Payments off: the client's thanks says what the extra photo costs and how it's paid.
    to_anna = [m for m in mail.outbox if m.to == ["Anna Kowalska <anna@example.com>"]]
    thanks = next(m for m in to_anna if "selection" in m.subject)
    assert "It includes 1 extra photo, £15.00: the studio will send you an invoice for it." in (
        " ".join(thanks.body.split())
    )


def test_favorites_changed_in_another_tab_are_shown_again_before_they_are_sent(
    client, published, photos, anna, run_tasks
):
    sign_in(client, anna)
    for photo in photos:
        heart(client, published, photo)
    review = client.get(selection_url(published))
    seen = re.search(r'name="photos_seen" value="(\w+)"', review.text).group(1)
    assert "3 photos" in review.text
    heart(client, published, photos[2], on=False)  # another tab: one heart taken back
    with run_tasks():
        stale = client.post(selection_url(published), {"action": "submit", "photos_seen": seen})
    assert stale.status_code == 302
    published.refresh_from_db()
    assert published.selection is None  # nothing sent on what the page no longer shows
    again = client.get(stale["Location"])
    assert "Your favorites changed since this page was opened" in again.text
    assert "2 photos" in again.text
    now = re.search(r'name="photos_seen" value="(\w+)"', again.text).group(1)
    assert now != seen
    with run_tasks():
        client.post(selection_url(published), {"action": "submit", "photos_seen": now})
    published.refresh_from_db()
    assert published.selection.photo_count == 2


def test_another_list_ticked_than_the_one_shown_is_shown_before_it_is_sent(
    client, published, photos, anna
):
    mine = favorites(published, photos[:1], name="Anna")
    grandma = favorites(published, photos, name="Grandma")
    sign_in(client, anna)
    review = client.get(selection_url(published), {"list": mine.pk})
    assert f'name="shown" value="{mine.pk}"' in review.text
    asked = client.post(
        selection_url(published),
        {"action": "submit", "list": grandma.pk, "shown": mine.pk},
        follow=True,
    )
    published.refresh_from_db()
    assert published.selection is None  # nothing sent unseen
    assert asked.redirect_chain[-1][0] == f"{selection_url(published)}?list={grandma.pk}"
    assert "Here are the photos of the list you chose" in asked.text
    assert "3 photos" in asked.text
    assert f'name="shown" value="{grandma.pk}"' in asked.text
    # A page too old to say what it showed is asked again too.
    old = client.post(selection_url(published), {"action": "submit", "list": grandma.pk})
    assert old["Location"] == f"{selection_url(published)}?list={grandma.pk}"
    # Choosing as Grandma, Anna sends her own list.
    client.post(reverse("gallery:list-choose", args=[published.slug]), {"name": "Grandma"})
    assert "3 chosen · 2 included" in client.get(page_url(published)).text
    client.post(selection_url(published), {"action": "submit", "list": mine.pk, "shown": mine.pk})
    published.refresh_from_db()
    assert published.selection.favorite_list == mine
    # The gallery's counter is the selection sent, not the list this browser chose as.
    page = client.get(page_url(published)).text
    counter = re.search(r'id="selection-counter".*?</div>', page, re.S).group()
    assert "1 of 2 included" in counter
    assert "extra" not in counter


def test_an_unknown_list_sends_the_list_that_was_shown_never_asks_in_a_loop(
    client, published, photos, anna
):
    mine = favorites(published, photos[:1], name="Anna")
    favorites(published, photos, name="Grandma")
    sign_in(client, anna)
    client.get(selection_url(published), {"list": mine.pk})
    sent = client.post(
        selection_url(published), {"action": "submit", "list": 999999, "shown": mine.pk}
    )
    assert sent["Location"] == selection_url(published)
    published.refresh_from_db()
    assert published.selection.favorite_list == mine


def test_nothing_to_send_is_said_plainly(client, published, anna):
    sign_in(client, anna)
    refused = client.post(selection_url(published), {"action": "submit"}, follow=True)
    assert "There are no favorites to send yet" in refused.text
    assert not Selection.objects.exists()
    with pytest.raises(SelectionRefused):
        selection_submit(
            gallery_id=published.pk,
            favorite_list_id=favorite_list_get_or_create(gallery=published, name="Anna").pk,
        )


def test_extras_are_paid_on_checkout_before_the_selection_is_submitted(
    client, published, photos, anna, stripe_standin, post_event, run_tasks
):
    favorites(published, photos)  # three photos, two included: one extra at £15
    sign_in(client, anna)
    review = client.get(selection_url(published))
    assert "1 extra photo at £15.00: £15.00" in review.text
    assert "Pay £15.00 and send my selection" in review.text
    to_checkout = client.post(selection_url(published), {"action": "submit"})
    assert to_checkout.status_code == 303
    assert to_checkout["Location"].startswith(stripe_standin.url)
    payment = Payment.objects.get()
    assert (payment.kind, payment.amount, payment.currency) == ("extras", 1500, "GBP")
    [created] = stripe_standin.requests_to("POST", "/v1/checkout/sessions")
    back_here = settings.SITE_URL + selection_url(published)
    assert created.flat["success_url"] == (
        f"{back_here}?payment={payment.pk}&session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert created.flat["cancel_url"] == f"{back_here}?payment=cancelled"
    # Waiting for payment: not with the studio yet, and the hearts are locked.
    published.refresh_from_db()
    assert published.status == Gallery.Status.PUBLISHED
    assert published.selection.status == Selection.Status.AWAITING_PAYMENT
    assert "your favorites are locked" in heart(client, published, photos[0], on=False).text
    assert "Your selection is waiting for the extra photos to be paid" in (
        client.get(page_url(published)).text
    )
    # Paid: the webhook submits it, once, however often it arrives.
    payment.refresh_from_db()
    session = stripe_standin.complete_session(payment.stripe_checkout_session_id)
    event = stripe_standin.event("checkout.session.completed", session)
    with run_tasks():
        assert post_event(event).status_code == 200
        assert post_event(event).status_code == 200
    published.refresh_from_db()
    assert published.status == Gallery.Status.SELECTION_SUBMITTED
    assert published.selection.status == Selection.Status.SUBMITTED
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == [
        "Payment received: £15.00 for your Family session",
        "Selection from Anna Kowalska: 3 photos",
        "We have your selection: 3 photos",
        "Your invoice for your Family session: Invoice INV-0001",  # the extras billed
    ]
    thanks = next(m for m in mail.outbox if m.subject.startswith("We have your selection"))
    assert "It includes 1 extra photo, £15.00, which you paid online. Thank you!" in thanks.body
    back = client.get(selection_url(published) + f"?payment={payment.pk}&session_id=x")
    assert "Your selection is with the studio" in back.text
    assert "Your payment of £15.00 for the extra photos was received." in back.text


def test_going_back_to_change_the_favorites_closes_the_payment_page(
    client, published, photos, anna, stripe_standin
):
    favorites(published, photos)
    sign_in(client, anna)
    client.post(selection_url(published), {"action": "submit"})
    payment = Payment.objects.get()
    changed = client.post(selection_url(published), {"action": "change"})
    assert changed["Location"] == page_url(published)
    published.refresh_from_db()
    assert published.selection is None
    assert Selection.objects.get().status == Selection.Status.WITHDRAWN
    expired = stripe_standin.requests_to("POST", "/v1/checkout/sessions/")
    assert any(
        request.path.endswith(f"{payment.stripe_checkout_session_id}/expire") for request in expired
    )
    assert 'aria-pressed="false"' in heart(client, published, photos[0], on=False).text


def test_extras_paid_after_another_selection_was_sent_are_refunded(
    published, photos, stripe_standin, post_event, run_tasks
):
    from sessions.payments.checkout import payment_checkout_url

    anna_list = favorites(published, photos)
    first = selection_submit(gallery_id=published.pk, favorite_list_id=anna_list.pk)
    payment_checkout_url(payment_id=first.payment_id)
    first.payment.refresh_from_db()
    # Paid at Stripe, but the webhook is late: meanwhile the client reopens and sends again.
    session = stripe_standin.complete_session(first.payment.stripe_checkout_session_id)
    selection_withdraw(gallery_id=published.pk)
    favorite_set(favorite_list=anna_list, photo=photos[2], on=False)  # within the package now
    with run_tasks():
        second = selection_submit(gallery_id=published.pk, favorite_list_id=anna_list.pk)
    assert second.status == Selection.Status.SUBMITTED
    with run_tasks():
        post_event(stripe_standin.event("checkout.session.completed", session))
    published.refresh_from_db()
    assert published.selection == second
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason) == (1500, Refund.Reason.WITHDRAWN)


def test_the_studio_reopens_a_submitted_selection(
    client, published, photos, anna, staff_user, run_tasks
):
    favorites(published, photos[:2])
    with run_tasks():
        selection_submit(gallery_id=published.pk, favorite_list_id=FavoriteList.objects.get().pk)
    client.force_login(staff_user)
    change = reverse("admin:gallery_gallery_changelist")
    mail.outbox.clear()
    with run_tasks():
        client.post(
            change, {"action": "selection_reopen", "_selected_action": [published.pk]}, follow=True
        )
    published.refresh_from_db()
    assert published.status == Gallery.Status.PUBLISHED
    assert published.selection is None
    # The client hears that they can change their favorites, once.
    [email] = mail.outbox
    assert email.to == ["Anna Kowalska <anna@example.com>"]
    assert email.subject == "Your favorites are open again"
    assert "change what you like, then send your selection once more" in email.body
    assert "/gallery/link/" in email.body
    with run_tasks():
        client.post(change, {"action": "selection_reopen", "_selected_action": [published.pk]})
    assert len(mail.outbox) == 1
    client.logout()
    sign_in(client, anna)
    assert 'aria-pressed="false"' in heart(client, published, photos[0], on=False).text
    assert Favorite.objects.count() == 1


def test_ben_cannot_see_or_send_annas_selection(client, published, photos, ben):
    favorites(published, photos[:1])
    sign_in(client, ben)
    assert client.get(selection_url(published)).status_code == 404
    assert client.post(selection_url(published), {"action": "submit"}).status_code == 404
    compare = reverse("gallery:gallery-compare", args=[published.slug])
    assert client.get(compare).status_code == 404
    assert not Selection.objects.exists()


def test_the_compare_view_shows_what_everyone_agrees_on(client, published, photos, anna):
    favorites(published, photos[:2], name="Anna")
    favorites(published, photos[1:], name="Grandma")
    sign_in(client, anna)
    page = client.get(reverse("gallery:gallery-compare", args=[published.slug]))
    assert "Everyone agrees on 1 photo" in page.text
    assert page.text.count("<tr>") == 1 + 3  # the header and the three chosen photos


def test_publishing_emails_the_client_their_link_once(client, gallery, staff_user, run_tasks):
    gallery.selection_deadline = datetime.date(2026, 12, 4)
    gallery.save()
    client.force_login(staff_user)
    changelist = reverse("admin:gallery_gallery_changelist")
    for _ in range(2):
        with run_tasks():
            # "post": the studio said yes to publishing a gallery with no photo ready yet.
            data = {"action": "publish", "_selected_action": [gallery.pk], "post": "yes"}
            client.post(changelist, data)
    gallery.refresh_from_db()
    assert gallery.status == Gallery.Status.PUBLISHED
    assert gallery.published_at is not None  # the favorites reminder counts from here
    [email] = mail.outbox
    assert email.to == ["Anna Kowalska <anna@example.com>"]
    assert email.subject == "Your photos are ready to see"
    assert "Your package includes 20 photos" in email.body
    assert "Please send your selection by Friday 4 December." in email.body
    link = re.search(r"http://\S+/gallery/link/\S+/", email.body).group(0)
    client.logout()
    opened = client.get(link.removeprefix(settings.SITE_URL), follow=True)
    assert opened.status_code == 200
    assert gallery.title in opened.text
    client.force_login(staff_user)
    client.post(changelist, {"action": "unpublish", "_selected_action": [gallery.pk]})
    gallery.refresh_from_db()
    assert gallery.status == Gallery.Status.DRAFT


def test_a_sent_selection_cannot_be_reopened_by_the_client(client, published, photos, anna):
    favorites(published, photos[:2])
    sign_in(client, anna)
    client.post(selection_url(published), {"action": "submit"})
    refused = client.post(selection_url(published), {"action": "change"}, follow=True)
    assert "Your selection is already with the studio" in refused.text
    published.refresh_from_db()
    assert published.status == Gallery.Status.SELECTION_SUBMITTED
    assert published.selection.status == Selection.Status.SUBMITTED


def test_after_changing_their_mind_the_client_can_pay_for_the_new_selection(
    client, published, photos, anna, stripe_standin
):
    favorites(published, photos)
    sign_in(client, anna)
    client.post(selection_url(published), {"action": "submit"})
    first = Payment.objects.get()
    client.post(selection_url(published), {"action": "change"})
    first.refresh_from_db()
    assert first.status == Payment.Status.EXPIRED  # closed at once, not when Stripe says so
    again = client.post(selection_url(published), {"action": "submit"})
    assert again.status_code == 303
    assert again["Location"].startswith(stripe_standin.url)
    assert Payment.objects.filter(status=Payment.Status.PENDING).count() == 1


def paid_then_reopened(published, photos, stripe_standin, post_event, run_tasks) -> FavoriteList:
    """The client paid £15 for one extra photo through Checkout; the studio reopened it."""
    from sessions.payments.checkout import payment_checkout_url

    favorite_list = favorites(published, photos)  # one extra: £15
    first = selection_submit(gallery_id=published.pk, favorite_list_id=favorite_list.pk)
    payment_checkout_url(payment_id=first.payment_id)
    first.payment.refresh_from_db()
    session = stripe_standin.complete_session(first.payment.stripe_checkout_session_id)
    with run_tasks():
        post_event(stripe_standin.event("checkout.session.completed", session))
    selection_withdraw(gallery_id=published.pk)  # the studio reopens it
    return favorite_list


def test_extras_paid_for_a_selection_the_studio_reopened_count_towards_the_next(
    published, photos, stripe_standin, post_event, run_tasks
):
    favorite_list = paid_then_reopened(published, photos, stripe_standin, post_event, run_tasks)
    with run_tasks():
        second = selection_submit(gallery_id=published.pk, favorite_list_id=favorite_list.pk)
    assert second.status == Selection.Status.SUBMITTED  # the £15 was paid already
    assert second.payment is None
    assert Payment.objects.count() == 1


def test_a_selection_of_one_photo_is_told_as_one(client, published, photos, anna, run_tasks):
    sign_in(client, anna)
    heart(client, published, photos[0])
    with run_tasks():
        client.post(selection_url(published), {"action": "submit"})
    [studio] = [m for m in mail.outbox if m.subject.startswith("Selection from")]
    assert studio.subject == "Selection from Anna Kowalska: 1 photo"
    assert "Anna Kowalska has sent 1 photo from" in studio.body
    assert "extra" not in studio.body


def test_the_studio_is_told_when_a_client_paid_more_than_their_new_selection_needs(
    published, photos, stripe_standin, post_event, run_tasks
):
    favorite_list = paid_then_reopened(published, photos, stripe_standin, post_event, run_tasks)
    Gallery.objects.filter(pk=published.pk).update(extra_image_price=1000)  # cheaper now
    mail.outbox.clear()
    with run_tasks():
        selection_submit(gallery_id=published.pk, favorite_list_id=favorite_list.pk)
    [studio] = [m for m in mail.outbox if m.subject.startswith("Selection from")]
    said = " ".join(studio.body.split())
    assert "That includes 1 extra photo, £10.00, covered by what the client paid before" in said
    assert "They paid £5.00 more than these need: settle it with them" in said


def test_the_review_page_counts_what_was_paid_before_a_reopen(
    client, published, photos, anna, stripe_standin, post_event, run_tasks
):
    """The page says what the client will be asked for, not the extras' full price: after
    the studio reopened a paid selection, what they paid counts towards the next one."""
    paid_then_reopened(published, photos, stripe_standin, post_event, run_tasks)
    sign_in(client, anna)
    review = client.get(selection_url(published)).text
    assert "1 extra photo at £15.00: £15.00" in review
    assert "Already paid for extra photos: £15.00" in review
    assert "Nothing more to pay: what you paid before covers them." in review
    assert "Pay £15.00" not in review
    assert "Send my selection" in review
    assert "more than these need" not in review
    Gallery.objects.filter(pk=published.pk).update(extra_image_price=1000)  # cheaper now
    review = client.get(selection_url(published)).text
    assert "That is £5.00 more than these need: the studio will settle it with you." in review
    heart(client, published, photos[0], on=False)  # within the package now
    review = client.get(selection_url(published)).text
    assert "You paid £15.00 for extra photos before; these need none" in review
    heart(client, published, photos[0])
    Gallery.objects.filter(pk=published.pk).update(extra_image_price=2500)  # dearer now
    review = client.get(selection_url(published)).text
    assert "Left to pay: £10.00" in review
    assert "Pay £10.00 and send my selection" in review
    sent = client.post(selection_url(published), {"action": "submit"})
    assert sent.status_code == 303
    assert Payment.objects.get(status=Payment.Status.PENDING).amount == 1000
    status = client.get(selection_url(published)).text
    assert "What you paid before counts towards them: £10.00 is left to pay." in status
    assert "Pay £10.00" in status
    assert "Pay £25.00" not in status


def test_the_payment_box_is_the_clients_and_stops_when_the_selection_is_reopened(
    client, published, photos, anna
):
    status = reverse("gallery:selection-status", args=[published.slug])
    sign_in(client, anna)
    answer = client.get(status)
    assert answer.status_code == 204
    assert answer["HX-Redirect"] == selection_url(published)
    from gallery.models import ShareLink

    client.logout()
    link = ShareLink.objects.create(gallery=published, label="Tom", can_favorite=True)
    client.get(reverse("gallery:share-open", args=[link.token]))
    assert client.get(status).status_code == 404
