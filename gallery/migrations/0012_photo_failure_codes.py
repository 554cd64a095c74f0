"""A photo's failure becomes a code and the values its sentence needs, so that it is shown
in the reader's language. Sentences stored before are turned into their codes where they are
one of Sitting's own; anything else is kept, word for word, as "other"."""

import re

from django.db import migrations, models

# The sentences photo processing stored (in English, the only language they were written in),
# as patterns with the values each carries.
SENTENCES = [
    (r"it has more pixels than any camera makes", "camera_pixels", ()),
    (r"it could not be read as a photo; it may be damaged or incomplete", "undecodable", ()),
    (r"it is not a (?P<kinds>.+) photo", "formats", ("kinds",)),
    (r"it could not be processed: the worker stopped on it repeatedly", "worker_stopped", ()),
    (r"the studio's watermark could not be read; replace it and retry", "watermark", ()),
    (r"it could not be prepared for download: (?P<why>.*)", "not_deliverable", ("why",)),
    (r"its original file is missing from storage", "original_missing", ()),
    (
        r"it could not be processed; try again, or tell us if it keeps failing",
        "processing_failed",
        (),
    ),
]
FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WebP": "WEBP", "TIFF": "TIFF", "HEIC": "HEIF"}


def code_of(text: str) -> tuple[str, dict]:
    for pattern, code, names in SENTENCES:
        found = re.fullmatch(pattern, text)
        if not found:
            continue
        params = {name: found[name] for name in names}
        if "kinds" in params:
            kinds = re.split(r", | or ", params.pop("kinds"))
            if not all(kind in FORMAT_NAMES for kind in kinds):
                break
            params["formats"] = [FORMAT_NAMES[kind] for kind in kinds]
        return code, params
    return "other", {"text": text}


def sentence_of(code: str, params: dict) -> str:
    if code == "other":
        return params.get("text", "")
    for pattern, known, _names in SENTENCES:
        if known == code:
            if code == "formats":
                names = {value: key for key, value in FORMAT_NAMES.items()}
                kinds = [names.get(kind, kind) for kind in params.get("formats", [])]
                listed = ", ".join(kinds[:-1]) + " or " + kinds[-1] if len(kinds) > 1 else "".join(kinds)
                return f"it is not a {listed} photo"
            if code == "not_deliverable":
                return f"it could not be prepared for download: {params.get('why', '')}"
            return pattern.replace("\\", "")
    return code


def to_codes(apps, schema_editor):
    Photo = apps.get_model("gallery", "Photo")
    for photo in Photo.objects.exclude(failure_reason="").only("pk", "failure_reason"):
        code, params = code_of(photo.failure_reason)
        Photo.objects.filter(pk=photo.pk).update(failure_code=code, failure_params=params)


def to_sentences(apps, schema_editor):
    Photo = apps.get_model("gallery", "Photo")
    for photo in Photo.objects.exclude(failure_code="").only("pk", "failure_code", "failure_params"):
        text = sentence_of(photo.failure_code, photo.failure_params or {})
        Photo.objects.filter(pk=photo.pk).update(failure_reason=text[:300])


class Migration(migrations.Migration):

    dependencies = [
        ('gallery', '0011_comment_digest_and_deadline'),
    ]

    operations = [
        migrations.AddField(
            model_name='photo',
            name='failure_code',
            field=models.CharField(blank=True, max_length=30, verbose_name='why it failed'),
        ),
        migrations.AddField(
            model_name='photo',
            name='failure_params',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(to_codes, to_sentences),
        migrations.RemoveField(
            model_name='photo',
            name='failure_reason',
        ),
    ]
