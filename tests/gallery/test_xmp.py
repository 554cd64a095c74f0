"""The cull as XMP sidecars for Lightroom: one valid packet per proof, named by base name,
with its stars, its reject (-1) and a pick's label."""

import io
import zipfile

import pytest
from defusedxml import ElementTree
from django.urls import reverse

from gallery.culling_decisions import photo_cull
from gallery.models import Photo
from gallery.xmp import PICK_LABEL, CullRow, cull_sidecars_zip, sidecar_paths, xmp_packet
from tests.gallery.culling_fixtures import culled_gallery

X = "{adobe:ns:meta/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
XMP = "{http://ns.adobe.com/xap/1.0/}"


def read(packet: str) -> dict:
    """The packet's xmp: properties, parsed as Lightroom would (the xpacket wrapper
    included: it is XML processing instructions)."""
    root = ElementTree.fromstring(packet.encode())
    assert root.tag == f"{X}xmpmeta"
    (description,) = root.iter(f"{RDF}Description")
    return {
        name.removeprefix(XMP): value
        for name, value in description.attrib.items()
        if name.startswith(XMP)
    }


@pytest.mark.parametrize(
    ("flag", "rating", "expected"),
    [
        ("", 0, {"Rating": "0"}),
        ("", 4, {"Rating": "4"}),
        ("pick", 5, {"Rating": "5", "Label": PICK_LABEL}),
        ("reject", 3, {"Rating": "-1"}),
    ],
)
def test_a_packet_holds_the_rating_and_a_picks_label(flag, rating, expected):
    packet = xmp_packet(CullRow("IMG_0412.CR3", "", flag, rating))
    assert packet.startswith('<?xpacket begin="\ufeff"')
    assert packet.rstrip().endswith('<?xpacket end="w"?>')
    assert read(packet) == expected


def test_sidecars_are_named_by_base_name_and_shared_names_go_in_set_folders():
    rows = [
        CullRow("IMG_0001.jpg", "Outfit 1", "", 0),
        CullRow("IMG_0002.CR3", "Outfit 1", "", 0),
        CullRow("IMG_0001.JPG", "Outfit 2", "", 0),
        CullRow("img_0003.tar.jpg", "", "", 0),
        CullRow("IMG_0001.jpeg", "Outfit 2", "", 0),
        CullRow("../IMG_0009.jpg", "a/../b", "", 0),
        CullRow("DSC_1.jpg", "", "", 0),
        CullRow("DSC_1.png", "", "", 0),
    ]
    assert sidecar_paths(rows) == [
        "Outfit 1/IMG_0001.xmp",
        "IMG_0002.xmp",
        "Outfit 2/IMG_0001.xmp",
        "img_0003.tar.xmp",
        "Outfit 2 (2)/IMG_0001.xmp",
        "IMG_0009.xmp",
        "No set/DSC_1.xmp",
        "No set (2)/DSC_1.xmp",
    ]


def test_the_zip_has_a_readme_and_a_sidecar_per_photo():
    rows = [CullRow("IMG_0001.jpg", "", "pick", 5), CullRow("IMG_0002.jpg", "", "reject", 0)]
    archive = zipfile.ZipFile(io.BytesIO(cull_sidecars_zip("Anna's family", rows)))
    assert archive.namelist() == ["README.txt", "IMG_0001.xmp", "IMG_0002.xmp"]
    readme = archive.read("README.txt").decode()
    assert "Read Metadata from Files" in readme
    assert "folder named for their set" not in readme  # no shared names here
    assert read(archive.read("IMG_0001.xmp").decode()) == {"Rating": "5", "Label": "Green"}
    assert read(archive.read("IMG_0002.xmp").decode()) == {"Rating": "-1"}


def test_the_admin_exports_the_galleries_cull(client, staff_user, gallery):
    culled = culled_gallery(gallery, [2, 1, 1], real=False)
    first, second, _third, final = culled.photos
    photo_cull(photo=first, flag="pick", rating=4, by=staff_user)
    photo_cull(photo=second, flag="reject", by=staff_user)
    Photo.objects.filter(pk=final.pk).update(kind=Photo.Kind.FINAL)  # no proof: no sidecar
    client.force_login(staff_user)
    answer = client.get(reverse("admin:gallery_gallery_export_xmp", args=[gallery.pk]))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/zip"
    assert answer["Content-Disposition"].endswith('-cull-xmp.zip"')
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert archive.namelist() == ["README.txt", "IMG_0001.xmp", "IMG_0002.xmp", "IMG_0003.xmp"]
    assert [read(archive.read(name).decode()) for name in archive.namelist()[1:]] == [
        {"Rating": "4", "Label": "Green"},
        {"Rating": "-1"},
        {"Rating": "0"},
    ]


def test_a_gallery_without_proofs_has_nothing_to_export(client, staff_user, gallery):
    client.force_login(staff_user)
    answer = client.get(reverse("admin:gallery_gallery_export_xmp", args=[gallery.pk]))
    assert answer.status_code == 404


def test_the_picks_go_to_lightroom_as_a_filter_and_a_smart_collection(client, staff_user, gallery):
    culled = culled_gallery(gallery, [2, 1, 1], real=False)
    first, second, third, _fourth = culled.photos
    photo_cull(photo=first, flag="pick", by=staff_user)
    photo_cull(photo=third, flag="pick", by=staff_user)
    photo_cull(photo=second, flag="reject", by=staff_user)
    client.force_login(staff_user)
    base = reverse("admin:gallery_gallery_export", kwargs={"gallery_id": gallery.pk, "kind": "txt"})
    text = client.get(f"{base}?cull=picks")
    assert text.status_code == 200
    assert text["Content-Disposition"].endswith('-picks.txt"')
    assert text.content.decode().strip() == "IMG_0001, IMG_0003"
    smart = client.get(f"{base.replace('/txt/', '/lrsmcol/')}?cull=picks")
    body = smart.content.decode()
    assert "IMG_0001." in body
    assert "IMG_0002." not in body


def test_names_differing_only_in_case_go_in_folders_as_one_file_would_clash():
    from gallery.xmp import CullRow, sidecar_paths

    rows = [
        CullRow(file_name="IMG_1.jpg", set_name="Outfit 1", flag="pick", rating=0),
        CullRow(file_name="img_1.JPG", set_name="Outfit 2", flag="reject", rating=0),
    ]
    paths = sidecar_paths(rows)
    assert len({path.lower() for path in paths}) == 2
    assert all("/" in path for path in paths)
