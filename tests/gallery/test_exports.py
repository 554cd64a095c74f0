"""The selection for the editing software, checked by reading back what is produced: the
Lightroom filter text, the smart collection (a Lua table, parsed here) and the CSV."""

import csv
import io
import re

import pytest
from django.urls import reverse

from gallery import exports
from gallery.exports import ExportRow, base_name, lightroom_filter, lightroom_smart_collection
from gallery.models import Comment, FavoriteList
from gallery.proofing import favorite_list_get_or_create, favorite_set
from gallery.selection import selection_submit
from tests.gallery.conftest import sign_in


def lua_table(text: str):
    """Just enough of Lua's table syntax for an .lrsmcol file: `s = { ... }` with strings,
    integers, nested tables, `key = value` and bare values. Raises on anything else."""
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"|-?\d+|[A-Za-z_]\w*|[{}=,]|\S', text)
    position = 0

    def take(expected=None):
        nonlocal position
        token = tokens[position]
        if expected is not None and token != expected:
            raise ValueError(f"expected {expected!r}, got {token!r}")
        position += 1
        return token

    def string(token):
        body = token[1:-1]
        return re.sub(
            r'\\(\d{3}|n|"|\\)',
            lambda m: {"n": "\n", '"': '"', "\\": "\\"}.get(m.group(1)) or chr(int(m.group(1))),
            body,
        )

    def value():
        token = take()
        if token == "{":
            fields, items = {}, []
            while tokens[position] != "}":
                if tokens[position + 1] == "=":
                    key = take()
                    take("=")
                    fields[key] = value()
                else:
                    items.append(value())
                if tokens[position] == ",":
                    take(",")
            take("}")
            return {**fields, "[items]": items}
        if token.startswith('"'):
            return string(token)
        if re.fullmatch(r"-?\d+", token):
            return int(token)
        raise ValueError(f"unexpected {token!r}")

    name = take()
    take("=")
    result = value()
    if position != len(tokens):
        raise ValueError("trailing text")
    return name, result


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("IMG_0001.JPG", "IMG_0001"),
        ("IMG_0001.CR3", "IMG_0001"),
        ("Anna & Tom.final.tif", "Anna & Tom.final"),
        ("no-extension", "no-extension"),
        ("folder/sub/DSC_1.jpeg", "DSC_1"),
        (".hidden", ".hidden"),
    ],
)
def test_base_names_drop_only_the_extension(file_name, expected):
    assert base_name(file_name) == expected


def test_the_filter_text_lists_each_base_name_once():
    names = ["IMG_0003.JPG", "IMG_0001.JPG", "IMG_0001.CR3", "DSC_9.jpeg"]
    assert lightroom_filter(names) == "IMG_0003, IMG_0001, DSC_9"


def test_the_smart_collection_matches_each_name_and_dot_in_any_of_them():
    names = ["IMG_0001.JPG", "IMG_0002.JPG", 'Odd "quoted" \\ name\n.jpg', "IMG_0001.CR3"]
    name, collection = lua_table(lightroom_smart_collection("Kowalska – selection", names))
    assert name == "s"
    assert collection["type"] == "LibrarySmartCollection"
    assert collection["title"] == "Kowalska – selection"
    assert re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", collection["id"])
    value = collection["value"]
    assert value["combine"] == "union"
    assert [(rule["criteria"], rule["operation"]) for rule in value["[items]"]] == [
        ("filename", "beginsWith")
    ] * 3
    assert [rule["value"] for rule in value["[items]"]] == [
        "IMG_0001.",
        "IMG_0002.",
        'Odd "quoted" \\ name\n.',
    ]


def test_the_csv_reads_back_and_never_runs_a_formula():
    rows = [
        ExportRow("IMG_0001.JPG", "Outfit 1", ["Anna", "Grandma"], ["Anna: softer, please"]),
        ExportRow("=HYPERLINK(1).jpg", "", [], ["Ben: @everyone"]),
    ]
    parsed = list(csv.reader(io.StringIO(exports.selection_csv(rows))))
    assert parsed == [
        ["File name", "Base name", "Set", "Favorite of", "Comments"],
        ["IMG_0001.JPG", "IMG_0001", "Outfit 1", "Anna, Grandma", "Anna: softer, please"],
        ["'=HYPERLINK(1).jpg", "'=HYPERLINK(1)", "", "", "Ben: @everyone"],
    ]


@pytest.fixture
def submitted(published, photos):
    anna = favorite_list_get_or_create(gallery=published, name="Anna")
    grandma = favorite_list_get_or_create(gallery=published, name="Grandma")
    for photo in photos[:2]:
        favorite_set(favorite_list=anna, photo=photo, on=True)
    favorite_set(favorite_list=grandma, photo=photos[1], on=True)
    Comment.objects.create(photo=photos[1], author_name="Anna", body="Softer background?")
    selection_submit(gallery_id=published.pk, favorite_list_id=anna.pk)
    published.refresh_from_db()
    return published


def test_the_studio_sees_the_selection_and_downloads_it_for_lightroom(
    client, submitted, staff_user, django_assert_max_num_queries
):
    client.force_login(staff_user)
    page = client.get(reverse("admin:gallery_gallery_change", args=[submitted.pk]))
    assert "IMG_0001, IMG_0002" in page.text  # the filter text, ready to copy
    assert "Softer background?" in page.text
    assert "2 photos from Anna's favorites" in page.text
    collection = client.get(reverse("admin:gallery_gallery_export", args=[submitted.pk, "lrsmcol"]))
    assert collection["Content-Disposition"].endswith('.lrsmcol"')
    _name, table = lua_table(collection.content.decode())
    assert [rule["value"] for rule in table["value"]["[items]"]] == ["IMG_0001.", "IMG_0002."]
    with django_assert_max_num_queries(8):
        sheet = client.get(reverse("admin:gallery_gallery_export", args=[submitted.pk, "csv"]))
    parsed = list(csv.reader(io.StringIO(sheet.content.decode())))
    assert parsed[1:] == [
        ["IMG_0001.JPG", "IMG_0001", "Outfit 1", "Anna", ""],
        ["IMG_0002.JPG", "IMG_0002", "Outfit 1", "Anna, Grandma", "Anna: Softer background?"],
    ]
    grandma = FavoriteList.objects.get(name="Grandma")
    text = client.get(
        reverse("admin:gallery_gallery_export", args=[submitted.pk, "txt"]) + f"?list={grandma.pk}"
    )
    assert text.content.decode() == "IMG_0002"


def test_exports_are_for_staff_only(client, submitted, anna):
    url = reverse("admin:gallery_gallery_export", args=[submitted.pk, "csv"])
    assert client.get(url)["Location"].startswith("/admin/login/")
    sign_in(client, anna)
    assert client.get(url)["Location"].startswith("/admin/login/")
