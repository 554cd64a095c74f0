"""The studio edits its contract in Chromium: previews the unsaved words on a real booking in a
new tab, saves them as a new version, and finds a template in use can't be deleted but can be
taken out of use. Each page fits a phone and passes the accessibility checks."""

import io
import os

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from sessions.models import DocumentTemplate
from tests.browser.admin_pages import sign_in
from tests.browser.checks import page_checked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to look at the pages


def shoot(page, name: str) -> None:
    if not SHOTS:
        return
    page.screenshot(path=f"{SHOTS}/{name}-1280.png", full_page=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=f"{SHOTS}/{name}-375.png", full_page=True)
    page.set_viewport_size(size)


def test_the_studio_previews_its_edited_contract_then_saves_a_new_version(page, staff_user):
    call_command("seed_demo", "--photos", "0", stdout=io.StringIO())
    contract = DocumentTemplate.objects.get(name="Portrait session agreement")
    sign_in(page)

    page.goto("/admin/shoots/documenttemplate/")
    shoot(page, "document-templates")
    page_checked(page)
    page.get_by_role("link", name="Portrait session agreement").click()
    body = page.get_by_label("Text")
    body.fill("Dear {client_name}, see you on {date}.\n\n**Bring a smile.**")
    with page.expect_popup() as opened:
        page.get_by_role("button", name="Preview", exact=True).click()
    preview = opened.value
    preview.wait_for_load_state()
    expect(preview.locator("article.document-preview")).to_contain_text("Bring a smile.")
    expect(preview.locator("article.document-preview")).not_to_contain_text("{client_name}")
    shoot(preview, "document-template-preview")
    page_checked(preview)
    preview.close()
    contract.refresh_from_db()
    assert contract.version == 1  # a preview saves nothing

    shoot(page, "document-template-change")
    page_checked(page)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("Saved as version 2.")
    expect(page.locator("table.document-versions tbody tr")).to_have_count(2)
    assert page.console_errors == []

    page.get_by_role("link", name="Delete").click()
    expect(page.locator("#content")).to_contain_text("can't be deleted")
    shoot(page, "document-template-delete")
    page_checked(page)
    page.get_by_role("button", name="Take it out of use").click()
    expect(page.locator(".messagelist")).to_contain_text("is out of use")
    contract.refresh_from_db()
    assert (contract.version, contract.is_active) == (2, False)

    page.goto("/admin/shoots/sessiontype/")
    page.get_by_role("link", name="Family", exact=True).click()
    expect(page.locator("#document_links-group")).to_contain_text("Model release for a child")
    page.locator("#document_links-group").scroll_into_view_if_needed()
    shoot(page, "session-type-documents")
    page_checked(page)
