from io import StringIO

from django.core.management import call_command
from django.forms.models import model_to_dict

from clients.models import Client
from gallery.models import PortfolioPhoto
from sessions.documents.merge import merge_fields_unknown
from sessions.documents.services import document_template_save
from sessions.models import (
    AvailabilityRule,
    Booking,
    Document,
    DocumentTemplate,
    DocumentTemplateVersion,
    Package,
    SessionType,
    SessionTypeDocument,
    Usage,
)
from studio.models import Photographer, Studio

MODELS = [
    Studio,
    Photographer,
    SessionType,
    AvailabilityRule,
    Client,
    Booking,
    DocumentTemplate,
    DocumentTemplateVersion,
    SessionTypeDocument,
    Document,
]


def snapshot():
    return {
        model.__name__: sorted((model_to_dict(row) for row in model.objects.all()), key=str)
        for model in MODELS
    }


def test_seed_demo_builds_a_london_studio_with_three_session_types(db):
    call_command("seed_demo", "--photos", "2", stdout=StringIO())
    studio = Studio.objects.get()
    assert studio.time_zone == "Europe/London"
    assert Photographer.objects.filter(user__is_staff=True).count() == 2
    durations = dict(SessionType.objects.values_list("name", "duration_minutes"))
    assert durations == {"Headshot": 30, "Family": 60, "Personal branding": 90}
    packages = Package.objects.filter(session_type__slug="family").values_list("name", "price")
    assert list(packages) == [("Essentials", 32500), ("Signature", 49500), ("Heirloom", 89500)]
    assert all(p.deposit < p.price for p in Package.objects.all())
    assert SessionType.objects.get(slug="family").add_ons.filter(name__contains="make-up")
    assert all(st.packages.exists() for st in SessionType.objects.all())
    # Every demo booking bought its type's first package.
    assert all(b.items.get().unit_price == b.price for b in Booking.objects.all())
    assert all(st.photographers.exists() for st in SessionType.objects.all())
    assert AvailabilityRule.objects.count() > 0
    assert Client.objects.count() >= 3
    # The home page has photographs: a portfolio and covers, made by the pipeline.
    assert PortfolioPhoto.objects.filter(status=PortfolioPhoto.Status.READY).count() == 2
    assert all(st.cover_medium for st in SessionType.objects.all())


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo", "--photos", "2", stdout=StringIO())
    before = snapshot()
    out = StringIO()
    call_command("seed_demo", "--photos", "2", stdout=out)
    assert snapshot() == before
    assert "nothing changed" in out.getvalue()


def test_seed_demo_leaves_what_the_studio_edited(db):
    call_command("seed_demo", "--photos", "2", stdout=StringIO())
    Package.objects.filter(session_type__slug="headshot").update(price=17500)
    call_command("seed_demo", "--photos", "2", stdout=StringIO())
    assert Package.objects.get(session_type__slug="headshot").price == 17500


def test_make_run_leaves_deleted_demo_rows_deleted(db):
    call_command("seed_demo", "--new-site-only", "--photos", "2", stdout=StringIO())
    sundays = AvailabilityRule.objects.filter(weekday=6)
    assert sundays.exists()
    sundays.delete()  # the studio stopped working Sundays
    out = StringIO()
    call_command("seed_demo", "--new-site-only", "--photos", "2", stdout=out)
    assert not AvailabilityRule.objects.filter(weekday=6).exists()
    assert "already set up" in out.getvalue()


def test_seed_demo_books_past_and_upcoming_sessions_inside_working_hours(db):
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    call_command("seed_demo", "--photos", "2", stdout=StringIO())
    bookings = list(Booking.objects.select_related("photographer"))
    now = timezone.now()
    assert any(b.starts_at > now and b.status == "confirmed" for b in bookings)
    assert any(b.starts_at < now and b.status == "completed" for b in bookings)
    assert {b.photographer.display_name for b in bookings} == {"Amelia Hart", "Theo Grant"}
    london = ZoneInfo("Europe/London")
    for booking in bookings:
        start, end = booking.starts_at.astimezone(london), booking.ends_at.astimezone(london)
        rules = AvailabilityRule.objects.filter(
            photographer=booking.photographer, weekday=start.weekday()
        )
        assert any(r.start_time <= start.time() and end.time() <= r.end_time for r in rules)


def test_seed_demo_makes_a_gallery_of_processed_photos_for_a_past_session(db):
    from gallery.models import Comment, Gallery, Photo

    call_command("seed_demo", "--photos", "5", stdout=StringIO())
    gallery = Gallery.objects.get(booking__reference="DM6H7J")
    assert gallery.status == Gallery.Status.PUBLISHED
    photos = list(gallery.photos.all())
    assert [p.status for p in photos] == [Photo.Status.READY] * 5
    turned = next(p for p in photos if p.original_name == "DSCF4104.JPG")  # EXIF 6
    assert (turned.width, turned.height) == (1800, 1200)
    assert {p.set_name for p in photos} == {"Outfit 1", "Outfit 2"}
    # Favorites in two lists, and a comment the studio answered.
    lists = {fl.name: fl.favorites.count() for fl in gallery.favorite_lists.all()}
    assert lists == {"Chloé": 3, "Sam": 1}
    assert [c.from_studio for c in Comment.objects.order_by("pk")] == [False, True]
    # A second gallery, delivered: finals to download.
    delivered = Gallery.objects.get(booking__reference="DM7K9M")
    assert delivered.status == Gallery.Status.DELIVERED
    assert delivered.downloads_allowed
    finals = delivered.photos.filter(kind=Photo.Kind.FINAL, status=Photo.Status.READY)
    assert finals.count() == 4
    assert finals.filter(download="").count() == 0
    count = Photo.objects.count()
    call_command("seed_demo", "--photos", "5", stdout=StringIO())
    assert Photo.objects.count() == count  # a second run adds nothing


def test_a_new_sites_outbox_shows_the_emails_its_demo_clients_had(
    db, settings, tmp_path, eager_tasks, django_capture_on_commit_callbacks
):
    import email
    from email import policy

    settings.EMAIL_BACKEND = "studio.mail.OutboxEmailBackend"
    settings.EMAIL_OUTBOX_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--photos", "2", stdout=StringIO())
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(tmp_path.glob("*.eml"))
    ]
    subjects = sorted(str(message["Subject"]) for message in messages)
    assert len([s for s in subjects if s.startswith("You're booked:")]) == 3
    assert "Your photos are ready to see" in subjects
    assert "Your finished photos are ready to download" in subjects
    to_sign = [s for s in subjects if " documents to sign for your " in s]
    assert len(to_sign) == 3  # each upcoming session's agreement and releases
    assert any(s.startswith("3 documents to sign for your Family") for s in to_sign)
    assert len(subjects) == 8
    booked = next(m for m in messages if str(m["Subject"]).startswith("You're booked:"))
    assert booked.get_body(("html",)).get_content().count("Northlight Portrait Studio") >= 1
    assert any(part.get_filename() == "session.ics" for part in booked.iter_attachments())
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--photos", "2", stdout=StringIO())
    assert len(list(tmp_path.glob("*.eml"))) == 8  # seeding again sends nothing again


def test_seed_demo_writes_the_agreement_and_releases_and_links_them(db):
    call_command("seed_demo", "--photos", "2", stdout=StringIO())
    templates = {t.name: t for t in DocumentTemplate.objects.all()}
    assert set(templates) == {
        "Portrait session agreement",
        "Model release",
        "Model release for a child",
    }
    agreement = templates["Portrait session agreement"]
    assert agreement.kind == "contract"
    assert agreement.version == 1
    for words in ("{cancellation_policy}", "{deposit}", "Using your photos", "Arriving late"):
        assert words in agreement.body
    assert merge_fields_unknown(agreement.body) == []
    assert templates["Model release"].usages == [usage.value for usage in Usage]
    child = templates["Model release for a child"]
    assert child.signer == "guardian"
    assert child.usages == ["portfolio", "social", "competitions"]
    links = set(
        SessionTypeDocument.objects.values_list("session_type__slug", "template__name", "required")
    )
    assert ("headshot", "Portrait session agreement", True) in links
    assert ("headshot", "Model release", False) in links
    assert ("family", "Model release for a child", False) in links
    assert ("headshot", "Model release for a child", False) not in links
    # The upcoming confirmed sessions have theirs to sign; the past ones don't.
    assert Document.objects.exists()
    assert not Document.objects.exclude(booking__status="confirmed").exists()


def test_seed_demo_leaves_an_edited_or_unlinked_template_alone(db):
    call_command("seed_demo", "--photos", "2", stdout=StringIO())
    agreement = DocumentTemplate.objects.get(name="Portrait session agreement")
    agreement.body = "Our own words."
    document_template_save(template=agreement)
    SessionTypeDocument.objects.filter(template__name="Model release").delete()
    call_command("seed_demo", "--photos", "2", stdout=StringIO())
    assert DocumentTemplate.objects.get(pk=agreement.pk).body == "Our own words."
    assert DocumentTemplate.objects.count() == 3
    assert not SessionTypeDocument.objects.filter(template__name="Model release").exists()


def test_seed_demo_leaves_a_gallery_to_cull_with_its_suggestions_ready(db):
    from gallery.culling_models import Person, PhotoAnalysis, PhotoGroup
    from gallery.models import Gallery
    from workspace.demo_culling import FRAMES, culling_gallery_seed

    call_command("seed_demo", "--photos", "0", stdout=StringIO())  # the rest, quickly
    assert culling_gallery_seed() == FRAMES  # what seed_demo adds with enough photos
    assert culling_gallery_seed() == 0  # once
    gallery = Gallery.objects.get(booking__reference="DM9R5T")
    assert gallery.status == Gallery.Status.DRAFT
    assert gallery.photos.count() == FRAMES
    analyses = PhotoAnalysis.objects.filter(photo__gallery=gallery)
    assert set(analyses.values_list("status", flat=True)) == {PhotoAnalysis.Status.DONE}
    assert PhotoGroup.objects.filter(gallery=gallery).count() == 2
    assert analyses.filter(soft_focus=True).count() == 2  # one frame of each burst
    assert analyses.filter(eyes_closed=True).count() == 1
    assert Person.objects.filter(gallery=gallery, photo_count__gte=3).count() == 2


def test_seed_demo_adds_the_gallery_to_cull_only_with_enough_photos(db, monkeypatch):
    import workspace.demo
    from workspace.demo_culling import FRAMES

    calls = []
    monkeypatch.setattr(workspace.demo, "culling_gallery_seed", lambda: calls.append(1) or 0)
    # Not what is tested here, and slow:
    monkeypatch.setattr(workspace.demo, "_gallery_seed", lambda count: (0, 0))
    monkeypatch.setattr(workspace.demo, "portfolio_seed", lambda count: 0)
    monkeypatch.setattr(workspace.demo, "covers_seed", lambda: 0)
    workspace.demo.demo_seed(photos=FRAMES - 1)
    assert calls == []
    workspace.demo.demo_seed(photos=FRAMES)
    assert calls == [1]
