from io import StringIO

from django.core.management import call_command
from django.forms.models import model_to_dict

from clients.models import Client
from sessions.models import AvailabilityRule, SessionType
from studio.models import Photographer, Studio

MODELS = [Studio, Photographer, SessionType, AvailabilityRule, Client]


def snapshot():
    return {
        model.__name__: sorted((model_to_dict(row) for row in model.objects.all()), key=str)
        for model in MODELS
    }


def test_seed_demo_builds_a_london_studio_with_three_session_types(db):
    call_command("seed_demo", stdout=StringIO())
    studio = Studio.objects.get()
    assert studio.time_zone == "Europe/London"
    assert Photographer.objects.filter(user__is_staff=True).count() == 2
    durations = dict(SessionType.objects.values_list("name", "duration_minutes"))
    assert durations == {"Headshot": 30, "Family": 60, "Personal branding": 90}
    assert all(st.deposit < st.price for st in SessionType.objects.all())
    assert all(st.photographers.exists() for st in SessionType.objects.all())
    assert AvailabilityRule.objects.count() > 0
    assert Client.objects.count() >= 3


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo", stdout=StringIO())
    before = snapshot()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert snapshot() == before
    assert "nothing changed" in out.getvalue()


def test_seed_demo_leaves_what_the_studio_edited(db):
    call_command("seed_demo", stdout=StringIO())
    SessionType.objects.filter(slug="headshot").update(price=17500)
    call_command("seed_demo", stdout=StringIO())
    assert SessionType.objects.get(slug="headshot").price == 17500


def test_make_run_leaves_deleted_demo_rows_deleted(db):
    call_command("seed_demo", "--new-site-only", stdout=StringIO())
    SessionType.objects.filter(slug="family").delete()
    out = StringIO()
    call_command("seed_demo", "--new-site-only", stdout=out)
    assert not SessionType.objects.filter(slug="family").exists()
    assert "already set up" in out.getvalue()
