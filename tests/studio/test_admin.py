from django.urls import reverse

from tests.factories import SessionTypeFactory


def test_the_admin_is_for_staff_only(client, studio, anna):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_carries_the_studio_name(client, studio, staff_user):
    client.force_login(staff_user)
    html = client.get("/admin/").content.decode()
    assert "Lumen Portraits" in html


def test_the_studio_list_goes_straight_to_its_settings(client, studio, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("admin:studio_studio_changelist"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:studio_studio_change", args=[1])
    assert client.get(reverse("admin:studio_studio_add")).status_code == 403


def test_studio_settings_save_from_the_admin(client, studio, staff_user):
    client.force_login(staff_user)
    url = reverse("admin:studio_studio_change", args=[1])
    response = client.post(
        url,
        {
            "name": "Lumen & Co",
            "intro": "",
            "time_zone": "Europe/Paris",
            "currency": "EUR",
            "contact_email": "",
            "phone": "",
            "address": "",
            "policies": "",
            "cancellation_cutoff_hours": "24",
            "cancellation_refund_percent": "50",
            "questionnaire_cutoff_hours": "12",
            "watermark_position": "bottom-right",
            "watermark_opacity": "60",
            "watermark_scale": "25",
            "brand_colour": "#225577",
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
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    studio.refresh_from_db()
    assert (studio.name, studio.time_zone, studio.currency) == ("Lumen & Co", "Europe/Paris", "EUR")
    assert (studio.cancellation_cutoff_hours, studio.cancellation_refund_percent) == (24, 50)


def test_a_refund_percentage_over_100_is_refused_with_the_form_kept(client, studio, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("admin:studio_studio_change", args=[1]),
        {
            "name": "Lumen & Co",
            "time_zone": "Europe/London",
            "currency": "GBP",
            "cancellation_cutoff_hours": "48",
            "cancellation_refund_percent": "120",
            "questionnaire_cutoff_hours": "24",
            "watermark_position": "center",
            "watermark_opacity": "40",
            "watermark_scale": "30",
        },
    )
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 100." in response.content.decode()
    assert 'value="Lumen &amp; Co"' in response.content.decode()
    studio.refresh_from_db()
    assert studio.cancellation_refund_percent == 100


def test_an_unknown_time_zone_is_refused_and_what_was_typed_is_kept(client, studio, staff_user):
    client.force_login(staff_user)
    url = reverse("admin:studio_studio_change", args=[1])
    response = client.post(
        url, {"name": "Lumen & Co", "time_zone": "Mars/Olympus_Mons", "currency": "GBP"}
    )
    assert response.status_code == 200
    assert "Mars/Olympus_Mons is not one of the available choices" in response.content.decode()
    assert 'value="Lumen &amp; Co"' in response.content.decode()
    studio.refresh_from_db()
    assert studio.name == "Lumen Portraits"


def test_a_new_session_type_starts_in_the_studio_currency(client, studio, staff_user):
    studio.currency = "EUR"
    studio.save()
    client.force_login(staff_user)
    html = client.get(reverse("admin:shoots_sessiontype_add")).content.decode()
    assert '<option value="EUR" selected>' in html


def test_session_type_list_shows_money_and_is_query_bounded(
    client, studio, staff_user, django_assert_max_num_queries
):
    SessionTypeFactory.create_batch(20, price=15000)
    client.force_login(staff_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("admin:shoots_sessiontype_changelist"))
    assert response.content.decode().count("£150.00") == 20
