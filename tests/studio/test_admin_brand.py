"""The admin in the studio's brand colour (issue 23): its bars, links and buttons take the
colour, each shade readable where it is used (WCAG AA) however light or dark the colour is;
the dark theme keeps its own links; every admin page links the stylesheet by its colour."""

import re

import pytest

from studio.branding import WHITE, admin_palette, contrast_ratio

COLOURS = ["#6b4534", "#79aec8", "#ffe4b5", "#f5dd5d", "#111111", "#ffffff", "#2e7d32"]


@pytest.mark.parametrize("colour", COLOURS)
def test_every_shade_is_readable_where_it_is_used(colour):
    palette = admin_palette(colour)
    assert contrast_ratio(WHITE, palette["bar"]) >= 4.5  # white text on the bars
    assert contrast_ratio(palette["link"], WHITE) >= 4.5  # links on white; white on a button
    assert contrast_ratio(WHITE, palette["hover"]) >= 4.5
    assert contrast_ratio(palette["link"], palette["tint"]) >= 4.5  # a link in a selected row
    assert contrast_ratio(palette["link"], "#f8f8f8") >= 4.5  # in a zebra row or a header


def test_the_stylesheet_carries_the_shades_and_leaves_the_dark_themes_links(client, studio):
    studio.brand_colour = "#ffe4b5"
    studio.save()
    css = client.get("/branding/admin.css?v=ffe4b5")
    assert css["Content-Type"].startswith("text/css")
    palette = admin_palette("#ffe4b5")
    body = css.content.decode()
    bars, light = body.split('html[data-theme="light"]', 1)
    assert f"--header-bg: {palette['bar']}" in bars
    assert "--link-fg" not in bars  # the dark theme's links stay its own
    assert f"--link-fg: {palette['link']}" in light
    assert f"--selected-row: {palette['tint']}" in light


def test_every_admin_page_links_the_stylesheet_by_the_colour(client, studio, staff_user):
    studio.brand_colour = "#2e7d32"
    studio.save()
    client.force_login(staff_user)
    for url in ("/admin/", "/admin/shoots/booking/", "/admin/shoots/booking/calendar/"):
        page = client.get(url).content.decode()
        assert re.search(r'href="/branding/admin\.css\?v=2e7d32-\d+"', page), url
    dashboard = client.get("/admin/").content.decode()
    assert "Recent actions" not in dashboard  # the front page is the dashboard, full width
