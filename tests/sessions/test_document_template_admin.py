"""Document templates in the admin: every edit a new version, unknown merge fields refused by
name, a preview on a real booking that saves nothing, taking a template out of use, and a
delete that documents' records protect."""

import html

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from sessions.documents.services import (
    SignatureGiven,
    document_issue,
    document_pending_text,
    document_sign,
    session_type_requires_signing,
)
from sessions.models import Document, DocumentTemplate, DocumentTemplateVersion
from tests.factories import BookingFactory, UserFactory
from tests.payment_fixtures import PAY_NOW, PAY_TEN
from tests.studio.test_permission_matrix import database_rows

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:shoots_documenttemplate_changelist")
ADD_URL = reverse("admin:shoots_documenttemplate_add")


def change_url(template: DocumentTemplate) -> str:
    return reverse("admin:shoots_documenttemplate_change", args=[template.pk])


def preview_url(template: DocumentTemplate | None = None) -> str:
    args = [template.pk] if template else None
    return reverse("admin:shoots_documenttemplate_preview", args=args)


def retire_url(template: DocumentTemplate) -> str:
    return reverse("admin:shoots_documenttemplate_retire", args=[template.pk])


def form_of(template: DocumentTemplate, **overrides) -> dict:
    """The change page's form as a browser sends it back."""
    data = {
        "name": template.name,
        "kind": template.kind,
        "signer": template.signer,
        "body": template.body,
        "usages": list(template.usages),
        "is_active": "on" if template.is_active else "",
        "studio_countersigns": "on" if template.studio_countersigns else "",
        **overrides,
    }
    return {name: value for name, value in data.items() if value != ""}


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def owner(client, studio, staff_user):
    client.force_login(staff_user)
    return client


def staff_with(*codenames: str):
    user = UserFactory(username="assistant", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def viewer(client, studio):
    """An assistant who may look at templates and bookings, not change them."""
    client.force_login(staff_with("view_documenttemplate", "view_booking"))
    return client


@pytest.fixture
def annas_booking(anna, portrait):
    return BookingFactory(client=anna, session_type=portrait, starts_at=PAY_TEN)


@pytest.fixture
def signed_contract(stripe_standin, contract, annas_booking) -> Document:
    """Anna's contract, signed with version 1's words."""
    with time_machine.travel(PAY_NOW, tick=False):
        document = document_issue(booking=annas_booking, template=contract, required=True)
        given = SignatureGiven(
            shown_sha256=document_pending_text(document).text.sha256,
            signed_name="Anna Kowalska",
            agreed=True,
        )
        return document_sign(
            document_id=document.pk,
            booking=annas_booking,
            given=given,
            ip="203.0.113.9",
            user_agent="Test browser",
        )


# Versions --------------------------------------------------------------------------------


def test_each_edit_in_the_admin_makes_a_version_and_the_page_lists_them(owner, contract):
    response = owner.post(
        change_url(contract), form_of(contract, body=contract.body + "\nBring a smile.")
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.version == 2
    latest = contract.versions.get(number=2)
    assert latest.body.endswith("Bring a smile.")
    assert latest.actor_user.username == "owner"
    page = text_of(owner.get(change_url(contract)))
    assert "Saved as version 2." in page
    table = page.split('class="document-versions"')[1].split("</table>")[0]
    assert table.count("<tr>") == 3  # the heading and two versions
    assert "<td>2</td><td>Portrait session agreement</td>" in table
    assert "owner" in table


def test_saving_without_a_change_makes_no_new_version(owner, contract):
    assert owner.post(change_url(contract), form_of(contract)).status_code == 302
    assert list(contract.versions.values_list("number", flat=True)) == [1]


def test_a_signed_document_keeps_its_words_when_the_template_changes(
    owner, contract, signed_contract
):
    signed_text = signed_contract.text_html
    response = owner.post(
        change_url(contract), form_of(contract, body="### New terms\n\nAll different.")
    )
    assert response.status_code == 302
    signed_contract.refresh_from_db()
    assert signed_contract.text_html == signed_text
    assert signed_contract.version.number == 1
    assert "All different" not in signed_text


def test_a_new_template_starts_at_version_one(owner):
    response = owner.post(
        ADD_URL,
        {"name": "Studio rules", "kind": "contract", "signer": "self", "body": "Hi {client_name}."},
    )
    assert response.status_code == 302
    template = DocumentTemplate.objects.get(name="Studio rules")
    assert template.version == 1
    assert template.versions.get().body == "Hi {client_name}."


# Merge fields and uses --------------------------------------------------------------------


def test_an_unknown_merge_field_is_refused_by_name_and_the_typed_text_kept(owner, contract):
    typed = "Dear {clinet_name}, see you on {date} for {sesion}."
    response = owner.post(change_url(contract), form_of(contract, body=typed))
    assert response.status_code == 200
    page = text_of(response)
    assert "This template can't fill in {clinet_name}, {sesion}." in page
    assert "Did you mean {client_name} for {clinet_name}?" in page
    assert f">\n{typed}</textarea>" in page
    contract.refresh_from_db()
    assert "{clinet_name}" not in contract.body
    assert DocumentTemplateVersion.objects.filter(template=contract).count() == 1


def test_a_releases_uses_are_tick_boxes_kept_in_order(owner, adult_release):
    page = owner.get(change_url(adult_release)).content.decode()
    assert 'type="checkbox" name="usages" value="portfolio"' in page
    assert '"portfolio"' not in page.split("</form>")[0].split('name="usages"')[0]  # no JSON
    response = owner.post(
        change_url(adult_release), form_of(adult_release, usages=["social", "portfolio"])
    )
    assert response.status_code == 302
    adult_release.refresh_from_db()
    assert adult_release.usages == ["portfolio", "social"]
    assert adult_release.versions.get(number=2).usages == ["portfolio", "social"]


def test_a_contract_asks_about_no_uses(owner, contract):
    response = owner.post(change_url(contract), form_of(contract, usages=["social"]))
    assert response.status_code == 200
    assert "Only a model release asks the client about uses" in text_of(response)
    contract.refresh_from_db()
    assert contract.usages == []


# Preview ---------------------------------------------------------------------------------


def test_the_preview_fills_in_a_real_bookings_details_as_typed_and_saves_nothing(
    owner, contract, annas_booking
):
    before = database_rows()
    response = owner.post(
        preview_url(contract),
        form_of(
            contract,
            name="Draft agreement",
            body="Dear {client_name}, on {date}.\n\n<script>alert(1)</script> **Welcome**",
            preview_booking=annas_booking.pk,
        ),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dear Anna Kowalska, on Wednesday 10 June 2026." in page
    assert "<strong>Welcome</strong>" in page
    assert "<script>alert" not in page  # cleaned as the signing page cleans it
    assert "Draft agreement" in page
    assert database_rows() == before
    contract.refresh_from_db()
    assert contract.name == "Portrait session agreement"


def test_a_preview_with_an_unknown_field_says_so_and_leaves_it_as_typed(
    owner, contract, annas_booking
):
    response = owner.post(
        preview_url(contract),
        form_of(contract, body="Dear {clinet_name}.", preview_booking=annas_booking.pk),
    )
    page = text_of(response)
    assert "This template can't fill in {clinet_name}." in page
    assert "Dear {clinet_name}." in page


def test_a_new_template_can_be_previewed_before_it_is_ever_saved(owner, annas_booking):
    response = owner.post(
        preview_url(),
        {
            "name": "New",
            "kind": "release",
            "body": "I, {person_name}, agree.",
            "usages": ["portfolio"],
            "preview_booking": annas_booking.pk,
        },
    )
    page = text_of(response)
    assert "I, Anna Kowalska, agree." in page
    assert "The studio's portfolio and website" in page
    assert not DocumentTemplate.objects.exists()


def test_view_only_staff_preview_the_saved_words_whatever_is_posted(
    viewer, adult_release, annas_booking
):
    response = viewer.post(
        preview_url(adult_release),
        {"body": "Something else {client_name}", "preview_booking": annas_booking.pk},
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "I, Anna Kowalska, allow Lumen Portraits" in page
    assert "Something else" not in page


def test_the_change_page_offers_the_preview_on_the_next_booking(owner, contract, annas_booking):
    with time_machine.travel(PAY_NOW, tick=False):
        page = owner.get(change_url(contract)).content.decode()
    assert f'formaction="{preview_url(contract)}"' in page
    assert f'<option value="{annas_booking.pk}" selected>' in page


def test_staff_who_may_not_see_bookings_get_no_preview(client, studio, contract, annas_booking):
    client.force_login(staff_with("view_documenttemplate"))
    assert client.get(change_url(contract)).status_code == 200
    assert "formaction" not in client.get(change_url(contract)).content.decode()
    response = client.post(preview_url(contract), {"preview_booking": annas_booking.pk})
    assert response.status_code == 403


# Out of use and delete --------------------------------------------------------------------


def test_taking_a_template_out_of_use_stops_session_types_asking_for_it(
    owner, contract, signing_portrait
):
    assert session_type_requires_signing(signing_portrait)
    assert "Take it out of use" in owner.get(change_url(contract)).content.decode()
    response = owner.post(retire_url(contract), follow=True)
    assert "is out of use: session types no longer ask for it" in text_of(response)
    contract.refresh_from_db()
    assert contract.is_active is False
    assert not session_type_requires_signing(signing_portrait)
    assert "Take it out of use" not in owner.get(change_url(contract)).content.decode()


def test_taking_out_of_use_is_a_post(owner, contract):
    assert owner.get(retire_url(contract)).status_code == 405
    contract.refresh_from_db()
    assert contract.is_active


def test_a_template_documents_were_made_from_is_not_deleted_but_can_be_taken_out_of_use(
    owner, contract, signed_contract
):
    delete = reverse("admin:shoots_documenttemplate_delete", args=[contract.pk])
    page = text_of(owner.get(delete))
    assert "can't be deleted: documents were made from it" in page
    assert f'action="{retire_url(contract)}"' in page
    response = owner.post(delete, {"post": "yes"})
    assert response.status_code == 200
    assert DocumentTemplate.objects.filter(pk=contract.pk).exists()
    assert Document.objects.filter(pk=signed_contract.pk, status="signed").exists()


def test_a_template_nobody_used_can_be_deleted(owner, adult_release):
    delete = reverse("admin:shoots_documenttemplate_delete", args=[adult_release.pk])
    assert owner.post(delete, {"post": "yes"}).status_code == 302
    assert not DocumentTemplate.objects.exists()
    assert not DocumentTemplateVersion.objects.exists()


# Who may -----------------------------------------------------------------------------------


def test_view_only_staff_see_a_template_but_cannot_change_or_take_it_out_of_use(viewer, contract):
    page = viewer.get(change_url(contract)).content.decode()
    assert "<textarea" not in page
    assert f'formaction="{preview_url(contract)}"' in page  # they may still preview
    assert "Take it out of use" not in page
    assert viewer.post(change_url(contract), form_of(contract, body="Changed")).status_code == 403
    assert viewer.post(retire_url(contract)).status_code == 403
    contract.refresh_from_db()
    assert (contract.body.startswith("### What we agree"), contract.is_active) == (True, True)


def test_staff_without_permissions_see_nothing(client, studio, contract, annas_booking):
    client.force_login(staff_with())
    assert client.get(LIST_URL).status_code == 403
    assert client.get(preview_url(contract)).status_code == 403


# Query counts -------------------------------------------------------------------------------


def test_the_list_costs_the_same_however_many_templates(
    owner, contract, adult_release, minor_release, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = owner.get(LIST_URL)
    page = response.content.decode()
    assert all(name in page for name in ("Portrait session agreement", "Model release for a child"))


def test_the_change_page_and_the_preview_are_a_few_queries(
    owner, contract, signed_contract, signing_portrait, django_assert_max_num_queries
):
    with django_assert_max_num_queries(11):
        assert owner.get(change_url(contract)).status_code == 200
    with django_assert_max_num_queries(10):
        assert owner.get(preview_url(contract)).status_code == 200


def test_deleting_a_used_template_from_the_list_is_refused_without_an_error(
    owner, contract, signed_contract, adult_release
):
    response = owner.post(
        LIST_URL,
        {
            "action": "delete_selected",
            "_selected_action": [contract.pk, adult_release.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 200
    assert "Portrait session agreement" in text_of(response)
    assert DocumentTemplate.objects.count() == 2
