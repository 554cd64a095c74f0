import pytest
from playwright.sync_api import expect

from tests.factories import PhotographerFactory, SessionTypeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sessions_on_offer(studio):
    maya = PhotographerFactory(display_name="Maya Lind")
    SessionTypeFactory(name="Headshot", duration_minutes=30, price=15000, photographers=[maya])
    SessionTypeFactory(name="Family", duration_minutes=60, price=32500, photographers=[maya])


def test_a_visitor_sees_the_studio_and_its_sessions(page, sessions_on_offer):
    page.goto("/")
    expect(page).to_have_title("Lumen Portraits")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lumen Portraits")
    cards = page.locator("article.session-card")
    expect(cards).to_have_count(2)
    expect(cards.filter(has_text="Headshot")).to_contain_text("£150.00")
    # Bootstrap's stylesheet loaded: cards sit side by side on a wide screen.
    boxes = [cards.nth(i).bounding_box() for i in range(2)]
    assert boxes[0]["y"] == boxes[1]["y"]
    assert boxes[0]["x"] < boxes[1]["x"]
    assert page.console_errors == []  # no CSP violation, no missing file


def test_keyboard_users_can_skip_to_the_content(page, sessions_on_offer):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_on_a_phone_the_menu_folds_behind_a_button(browser, live_server, sessions_on_offer):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/")
    nav_link = page.get_by_role("link", name="My sessions", exact=True)
    expect(nav_link).to_be_hidden()
    page.get_by_role("button", name="Show menu").click()  # Bootstrap's script is running
    expect(nav_link).to_be_visible()
    context.close()


def test_the_photographer_signs_in_to_the_admin(page, studio):
    UserFactory(username="owner", is_staff=True, is_superuser=True)
    page.goto("/admin/")
    expect(page.get_by_text("Lumen Portraits")).to_be_visible()
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Session types")).to_be_visible()
    page.get_by_role("link", name="Session types").click()
    expect(page.get_by_role("heading", name="Select session type to change")).to_be_visible()
    assert page.console_errors == []
