from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image


def png_bytes(colour=(138, 90, 68)) -> bytes:
    buffer = BytesIO()
    Image.new("RGBA", (120, 40), (*colour, 255)).save(buffer, "PNG")
    return buffer.getvalue()


STUDIO_FORM = {
    "name": "Lumen Portraits",
    "time_zone": "Europe/London",
    "currency": "GBP",
    "cancellation_cutoff_hours": "48",
    "cancellation_refund_percent": "100",
    "questionnaire_cutoff_hours": "24",
    "watermark_position": "center",
    "watermark_opacity": "40",
    "watermark_scale": "30",
    "brand_colour": "#8a5a44",
    "reminder_days": "7, 1",
    "questionnaire_nudge_days": "5",
    "favorites_nudge_days": "7",
    "documents_due_hours": "48",
    "documents_nudge_days": "2",
    "share_pin_digits": "6",
    "gift_voucher_amounts": "50, 100",
    "invoice_prefix": "INV-",
    "credit_note_prefix": "CN-",
    "gift_voucher_min": "25",
    "gift_voucher_max": "500",
    "gift_voucher_months": "24",
    "waitlist_offer_hours": "2",
    "face_features": "on",
}


def test_a_logo_uploaded_in_the_admin_appears_on_the_site(client, studio, staff_user):
    client.force_login(staff_user)
    logo = SimpleUploadedFile("../../etc/our logo.PNG", png_bytes(), content_type="image/png")
    response = client.post(
        reverse("admin:studio_studio_change", args=[1]), {**STUDIO_FORM, "logo": logo}
    )
    assert response.status_code == 302
    studio.refresh_from_db()
    assert studio.logo.name.startswith("branding/")
    assert ".." not in studio.logo.name
    assert "logo" not in studio.logo.name

    client.logout()
    html = client.get("/").content.decode()
    assert f'src="/media/{studio.logo.name}"' in html
    served = client.get(f"/media/{studio.logo.name}")
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == studio.logo.open("rb").read()


def test_a_file_that_is_not_an_image_is_refused_as_a_logo(client, studio, staff_user):
    client.force_login(staff_user)
    fake = SimpleUploadedFile("logo.png", b"<?php echo 'hi'; ?>", content_type="image/png")
    response = client.post(
        reverse("admin:studio_studio_change", args=[1]), {**STUDIO_FORM, "logo": fake}
    )
    assert response.status_code == 200
    assert "Upload a valid image" in response.content.decode()
    studio.refresh_from_db()
    assert not studio.logo


def test_only_branding_is_public_under_media(client, studio, settings):
    private = settings.MEDIA_ROOT / "galleries" / "anna" / "original.jpg"
    private.parent.mkdir(parents=True)
    private.write_bytes(b"an original photo")
    assert client.get("/media/galleries/anna/original.jpg").status_code == 404
    assert client.get("/media/branding/../galleries/anna/original.jpg").status_code == 404
