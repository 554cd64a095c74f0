"""The gallery's forms: the studio's admin form, and what clients and guests send."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gallery.models import Comment, Download, Gallery, Photo, shown_to_client_q
from gallery.proofing import LIST_NAME_MAX
from studio.forms import MoneyFieldsMixin, RowIdField, TextBoxField

COMMENT_MAX = Comment._meta.get_field("body").max_length


class CoverChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Photo) -> str:
        name = f"{obj.original_name}{f' ({obj.set_name})' if obj.set_name else ''}"
        if obj.flag == Photo.Flag.REJECT:
            return _("%(name)s: rejected in the cull") % {"name": name}
        return name


class GalleryAdminForm(MoneyFieldsMixin, forms.ModelForm):
    """Money typed as 25.00 in the gallery's currency (shown, never edited here), and a
    cover chosen among this gallery's own ready proofs only."""

    class Meta:
        model = Gallery
        fields = [
            "title",
            "cover",
            "expires_on",
            "favorites_limit",
            "extra_image_price",
            "selection_deadline",
            "downloads_allowed",
            "watermark",
        ]
        field_classes = {"cover": CoverChoiceField}

    def __init__(self, *args, **kwargs):
        instance = kwargs.get("instance")
        if instance is not None:  # the currency is read-only: the mixin reads it from here
            kwargs["initial"] = {"currency": instance.currency, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        if "extra_image_price" in self.fields:
            self.fields["extra_image_price"].help_text = _(
                "For each photo chosen beyond those included, e.g. 25.00: what the client "
                "pays, any tax included."
            )
        if "cover" in self.fields:
            self.fields["cover"].queryset = self._cover_choices()
            self.fields["cover"].help_text = _(
                "Shown large at the top of the client's gallery; without one, the first "
                "photo is. Only this gallery's photos that are ready, and not rejected, can "
                "be chosen."
            )
            if self._cover_rejected():
                self.fields["cover"].help_text = _(
                    "This cover is rejected in the cull, so the client's gallery opens with "
                    "its first photo instead. Restore it in the cull to show it again, or "
                    "choose another."
                )

    @property
    def money_fields(self) -> tuple[str, ...]:
        # Staff who may only look get the field read-only: not on the form at all.
        return tuple(name for name in ("extra_image_price",) if name in self.fields)

    def _cover_choices(self):
        """This gallery's proofs the client sees, and the cover chosen before even if it was
        rejected since: saving the page unchanged keeps it (a reject restored shows it)."""
        if self.instance.pk is None:
            return Photo.objects.none()
        proofs = Photo.objects.filter(gallery=self.instance, kind=Photo.Kind.PROOF)
        return proofs.filter(shown_to_client_q() | Q(pk=self.instance.cover_id or 0))

    def _cover_rejected(self) -> bool:
        cover_id = self.instance.cover_id
        if cover_id is None:
            return False
        return not Photo.objects.shown_to_client().filter(pk=cover_id).exists()

    def clean_cover(self) -> Photo | None:
        cover = self.cleaned_data.get("cover")
        if cover is not None and cover.pk == self.instance.cover_id:
            return cover  # as it was: a cover rejected since stays chosen, and waits
        if cover is not None and not self._cover_choices().filter(pk=cover.pk).exists():
            raise ValidationError(
                _("The cover must be one of this gallery's own photos, ready to show."),
                code="not_this_gallery",
            )
        return cover

    def clean(self):
        if self.currency_field not in self.fields and self.instance.pk:
            self.cleaned_data[self.currency_field] = self.instance.currency
        return super().clean()


class CommentForm(forms.Form):
    """A comment on a photo. Too long is refused with the text kept, never cut: the page's
    box has no `maxlength` (a browser cuts a long paste to it without a word) but a counter."""

    body = TextBoxField(
        strip=True,
        max_length=COMMENT_MAX,
        error_messages={
            "required": _("Write a few words first."),
            "max_length": _(
                "That's a little long: please keep it under %(limit_value)s characters (it "
                "has %(show_value)s)."
            ),
        },
    )


class FavoriteForm(forms.Form):
    """A heart pressed: `on` is "1" to make the photo a favorite, "0" to take it back."""

    on = forms.BooleanField(required=False, widget=forms.HiddenInput)  # "0" is not a tick


class ListNameField(forms.CharField):
    def to_python(self, value) -> str:
        return " ".join(super().to_python(value).split())


class FavoriteListForm(forms.Form):
    """Choosing as someone in the household ("Grandma"): a name, its spaces collapsed."""

    name = ListNameField(
        required=False,
        max_length=LIST_NAME_MAX,
        error_messages={
            "max_length": _("Please keep the name to %(limit_value)s characters or fewer.")
        },
    )


class DigestField(forms.Field):
    """A fingerprint a page sent back (16 hex digits), or "" for anything else: nothing a
    person types, so never an error."""

    def to_python(self, value) -> str:
        value = value if isinstance(value, str) else ""
        return value if re.fullmatch(r"[0-9a-f]{16}", value) else ""


class SelectionForm(forms.Form):
    """The selection page's buttons (send, pay, or go back and change) and the favorites
    list chosen to send."""

    action = forms.ChoiceField(
        choices=[("submit", "submit"), ("pay", "pay"), ("change", "change")], required=False
    )
    list = RowIdField(required=False)
    # The list whose photos and total the page showed: sending another asks to look first.
    shown = RowIdField(required=False)
    # Which photos the page showed (selection_views.photos_digest): changed since, it shows
    # them again before sending.
    photos_seen = DigestField(required=False)


class ZipRequestForm(forms.Form):
    size = forms.ChoiceField(choices=Download.Size.choices)


class PinField(forms.Field):
    """A PIN as typed. Anything at all is checked and, if wrong, counted as a wrong PIN,
    so no input is refused before the count."""

    def to_python(self, value) -> str:
        return "" if value is None else str(value)


class SharePinForm(forms.Form):
    pin = PinField(required=False)
