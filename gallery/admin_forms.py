"""The gallery admin's forms: a share link's PIN, and what the gallery page's buttons and the
upload post."""

import re

from django import forms
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gallery.models import Photo, ShareLink
from studio.forms import PageButtonForm, stored_in
from studio.http import int_or_none
from studio.selectors import studio_get


class ShareLinkForm(forms.ModelForm):
    new_pin = forms.CharField(
        required=False,
        label=_("PIN"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 8, "autocomplete": "off"}),
    )
    remove_pin = forms.BooleanField(required=False, label=_("no PIN"))

    class Meta:
        model = ShareLink
        fields = ["label", "can_favorite", "new_pin", "remove_pin", "expires_on", "revoked"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # New PINs have the length the studio asks for now; a link's old PIN keeps working.
        self.pin_digits = studio_get().share_pin_digits
        self.fields["new_pin"].help_text = _(
            "%(digits)s digits; leave empty to keep the current one."
        ) % {"digits": self.pin_digits}

    def clean_new_pin(self) -> str:
        pin = "".join(self.cleaned_data["new_pin"].split())  # "258 014" is 258014
        if pin and not re.fullmatch(rf"[0-9]{{{self.pin_digits}}}", pin):
            facts = {
                "digits": self.pin_digits,
                "example": "258014736914"[: self.pin_digits],
                "count": len(pin),
            }
            if pin.isascii() and pin.isdigit():
                raise ValidationError(
                    _("A PIN is %(digits)s digits, like %(example)s; this one has %(count)s.")
                    % facts
                )
            raise ValidationError(
                _("A PIN is %(digits)s digits (0 to 9 only), like %(example)s.") % facts
            )
        return pin

    def clean_expires_on(self):
        """A day already past, newly typed, would make a link that never opens: said, not
        saved. A link that ran out keeps its day when saved for something else."""
        day = self.cleaned_data.get("expires_on")
        if day is None or day == self.initial.get("expires_on"):
            return day
        if day < timezone.localdate():
            raise ValidationError(
                _(
                    "That day has passed, so the link would not open at all. Choose today or "
                    "later, leave it empty for no end, or tick “revoked” to stop the link."
                ),
                code="past",
            )
        return day

    def save(self, commit=True):
        link = super().save(commit=False)
        if self.cleaned_data.get("new_pin"):
            link.pin_hash = make_password(self.cleaned_data["new_pin"])
            link.pin_length = len(self.cleaned_data["new_pin"])
        elif self.cleaned_data.get("remove_pin"):
            link.pin_hash = ""
            link.pin_length = 0
        if commit:
            link.save()
        return link


PHOTOS_MAX = 2000  # photo ids read from one post


def _photo_ids(values) -> list[int]:
    return [pk for pk in map(int_or_none, values) if pk is not None][:PHOTOS_MAX]


class SaidYesField(forms.Field):
    """A confirmation page's answer: True only for "yes" (anything else asks again)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> bool:
        return value == "yes"


class PhotoIdsField(forms.Field):
    """The ticked photos (`photo`, once for each): what cannot be an id is left out."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> list[int]:
        return _photo_ids(v for v in value or [] if isinstance(v, str))


class PhotoOrderField(forms.Field):
    """The grid's whole order, "12,15,13" (what cannot be an id is left out); None when
    the post is not an order."""

    def to_python(self, value) -> list[int] | None:
        return _photo_ids(value.split(",")) if isinstance(value, str) else None


class PhotoMoveField(forms.Field):
    """A photo's ← or → button, "earlier:<id>" or "later:<id>", as (steps, id); None when
    neither was pressed."""

    def to_python(self, value) -> tuple[int, int] | None:
        if not value or not isinstance(value, str):
            return None
        direction, _sep, raw_id = value.partition(":")
        photo_id = int_or_none(raw_id)
        if direction not in ("earlier", "later") or photo_id is None:
            raise ValidationError("Not a move.", code="invalid")
        return (-1 if direction == "earlier" else 1, photo_id)


class GalleryActForm(PageButtonForm):
    """A main button of a gallery's page, and the answer of the page that asks first."""

    confirm = SaidYesField()


class ListConfirmForm(forms.Form):
    """The answer of the page that asks before a list action goes on (Django's `post`)."""

    post = SaidYesField()


class PhotosArrangeForm(forms.Form):
    """What the photo grid posts: the whole order (its script), one photo a place earlier or
    later (its ← → buttons), or a button for the ticked photos: into a set (named), out of
    their sets, processed again."""

    order = PhotoOrderField(required=False)
    move = PhotoMoveField(required=False)
    do = forms.ChoiceField(
        choices=[(name, name) for name in ("set", "unset", "reprocess")], required=False
    )
    photo = PhotoIdsField()
    set_name = forms.CharField(required=False, **stored_in(Photo, "set_name"))


class PhotosDeleteForm(forms.Form):
    """The ticked photos to delete, and the studio's yes once it has seen which."""

    photo = PhotoIdsField()
    confirm = SaidYesField()


class PhotoKindField(forms.Field):
    """Proofs unless "finished photos" was ticked."""

    def to_python(self, value) -> str:
        return Photo.Kind.FINAL if value == Photo.Kind.FINAL else Photo.Kind.PROOF


class PhotoUploadForm(forms.Form):
    """What comes with each uploaded file: the set to put it in, and proof or finished."""

    set = forms.CharField(required=False, strip=False, **stored_in(Photo, "set_name"))
    kind = PhotoKindField(required=False)


class CullActForm(forms.Form):
    """A key or button of the culling view: pick, reject, restore or rate one photo, or
    accept a burst's suggestion."""

    do = forms.ChoiceField(
        choices=[(name, name) for name in ("pick", "reject", "restore", "rate", "accept")]
    )
    photo = forms.IntegerField(required=False, min_value=1)
    rating = forms.IntegerField(required=False, min_value=0, max_value=5)
    group = forms.IntegerField(required=False, min_value=1)

    def clean(self):
        data = super().clean()
        needs = {"accept": "group", "rate": "rating"}.get(data.get("do"), "photo")
        if data.get(needs) is None and needs not in self.errors:
            self.add_error(needs, forms.ValidationError(_("This field is required."), "required"))
        if data.get("do") == "rate" and data.get("photo") is None:
            self.add_error("photo", forms.ValidationError(_("This field is required."), "required"))
        return data
