"""The optional drawn signature pad (templates/sessions/_signature_pad.html), in Chromium on a
phone-sized screen, under the site's own Content-Security-Policy. No view shows it yet, so the
partial is rendered into a small page that the browser receives from a route on the live
server's address; its scripts and styles come from the live server."""

import re

import pytest
from django.template import engines
from playwright.sync_api import expect

from sessions.signature_images import drawn_signature_parse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = """{% load static %}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign</title>
<link rel="stylesheet" href="{% static 'vendor/bootstrap/css/bootstrap.min.css' %}">
<link rel="stylesheet" href="{% static 'css/site.css' %}">
</head><body><main class="container py-3"><form method="post" action="/">
<label class="form-label" for="typed">Your full name</label>
<input class="form-control mb-3" id="typed" name="typed_name">
{% include "sessions/_signature_pad.html" with drawn_signature=drawn_signature %}
</form></main></body></html>"""
INKED = """() => {
  const c = document.querySelector("canvas");
  return c.getContext("2d").getImageData(0, 0, c.width, c.height).data.some(
    (v, i) => i % 4 === 3 && v > 0);
}"""
PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2}


@pytest.fixture
def open_pad(browser, live_server, studio):
    """Open the pad in a fresh context; returns the page. The site's CSP header goes with it."""
    contexts = []
    policy = None

    def open_pad(*, drawn_signature="", **options):
        nonlocal policy
        context = browser.new_context(base_url=live_server.url, **{**PHONE, **options})
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        if policy is None:
            policy = page.request.get("/").headers["content-security-policy"]
            assert "script-src 'self'" in policy
        html = engines["django"].from_string(PAGE).render({"drawn_signature": drawn_signature})
        page.route(
            f"{live_server.url}/sign-here/",
            lambda route: route.fulfill(
                body=html,
                content_type="text/html; charset=utf-8",
                headers={"Content-Security-Policy": policy},
            ),
        )
        page.goto("/sign-here/")
        return page

    yield open_pad
    for context in contexts:
        context.close()


def draw(page, points):
    box = page.locator("canvas").bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=6)
    page.mouse.up()


def hidden_value(page) -> str:
    return page.locator('input[name="drawn_signature"]').input_value()


def test_a_drawing_fills_the_hidden_field_with_a_png_the_server_keeps(open_pad):
    page = open_pad()
    pad = page.locator("[data-signature-pad]")
    expect(pad).to_be_visible()
    canvas = page.get_by_role("img", name="Signature drawing area (optional)")
    expect(canvas).to_be_visible()
    # Full width of the phone's column, at the screen's pixel density.
    size = canvas.evaluate("c => [c.width, c.height, c.offsetWidth, c.offsetHeight]")
    assert size[0] == size[2] * 2
    assert size[1] == size[3] * 2
    assert 330 <= size[2] <= 375
    assert canvas.evaluate("c => getComputedStyle(c).touchAction") == "none"
    assert hidden_value(page) == ""

    draw(page, [(30, 120), (90, 40), (150, 130), (230, 50), (300, 110)])

    value = hidden_value(page)
    assert value.startswith("data:image/png;base64,")
    kept = drawn_signature_parse(value)
    assert kept is not None
    assert kept.startswith(b"\x89PNG")
    page.screenshot(path="var/signature-pad-375.png", full_page=True)
    assert page.console_errors == []  # nothing refused by the CSP, no missing file


def test_clear_empties_the_field_and_says_so(open_pad):
    page = open_pad()
    draw(page, [(40, 60), (200, 120), (280, 40)])
    assert hidden_value(page) != ""

    page.get_by_role("button", name="Clear").click()

    assert hidden_value(page) == ""
    expect(page.get_by_role("status")).to_have_text("Signature cleared")
    blank = page.locator("canvas").evaluate("c => c.toDataURL('image/png')")
    assert drawn_signature_parse(blank) is None


def test_the_keyboard_reaches_clear_and_uses_it(open_pad):
    page = open_pad()
    draw(page, [(40, 60), (200, 120)])

    page.get_by_label("Your full name").focus()
    page.keyboard.press("Tab")  # the canvas is a picture, not a stop on the way
    clear = page.get_by_role("button", name="Clear")
    expect(clear).to_be_focused()
    page.keyboard.press("Enter")

    assert hidden_value(page) == ""
    expect(page.get_by_role("status")).to_have_text("Signature cleared")


def test_a_finger_draws_too(open_pad):
    page = open_pad(has_touch=True, is_mobile=True)
    box = page.locator("canvas").bounding_box()
    touch = page.context.new_cdp_session(page)
    path = [(30, 100), (80, 40), (140, 120), (220, 60), (300, 100)]
    for index, (x, y) in enumerate(path):
        kind = "touchStart" if index == 0 else "touchMove"
        point = {"x": box["x"] + x, "y": box["y"] + y}
        touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [point]})
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    expect(page.locator('input[name="drawn_signature"]')).to_have_value(
        re.compile("^data:image/png;base64,")
    )
    assert drawn_signature_parse(hidden_value(page)) is not None
    assert page.evaluate("window.scrollY") == 0  # the stroke drew; it did not scroll the page


def test_turning_the_phone_keeps_the_drawing(open_pad):
    page = open_pad()
    draw(page, [(30, 120), (90, 40), (150, 130)])

    page.set_viewport_size({"width": 740, "height": 375})

    canvas = page.locator("canvas")
    # A function, not an expression: Playwright evaluates a bare expression with eval(),
    # which the page's CSP refuses whenever the first poll comes back false.
    page.wait_for_function("() => document.querySelector('canvas').width > 1000")
    value = hidden_value(page)
    assert drawn_signature_parse(value) is not None
    assert canvas.evaluate("c => c.width") == canvas.evaluate("c => c.offsetWidth") * 2


def test_a_drawing_sent_back_with_the_form_is_shown_again(open_pad):
    first = open_pad()
    draw(first, [(30, 120), (90, 40), (150, 130)])
    drawn = hidden_value(first)

    page = open_pad(drawn_signature=drawn)

    assert hidden_value(page) == drawn
    # The picture loads asynchronously; some pixel becomes opaque once it is drawn.
    page.wait_for_function(INKED, arg=None, timeout=5000)


def test_without_javascript_the_pad_is_not_offered(open_pad):
    page = open_pad(java_script_enabled=False)

    expect(page.locator("[data-signature-pad]")).to_be_hidden()
    expect(page.get_by_role("button", name="Clear")).to_have_count(0)
