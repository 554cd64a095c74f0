"""Permissions for the admin's own pages and buttons, in the words Django's actions use.

A custom admin view declares what it needs with `@admin_view_requires("change")`: the name
is a ModelAdmin's `has_<name>_permission(request)`, as in `@admin.action(permissions=[...])`,
so a list action and the page that does the same thing ask the same question. Staff without
it get a 403 before anything is read or changed. Django runs an action for ANY one of the
permissions it lists, so where two are needed the ModelAdmin names the pair
(`has_cancel_refunding_permission`) and actions list exactly one.
`tests/studio/test_permission_matrix.py` fails for any action or page that declares nothing.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied


def admin_view_requires(name: str):
    """Decorate a ModelAdmin view method: 403 unless `has_<name>_permission` allows."""

    def decorate(view):
        @wraps(view)
        def checked(model_admin, request, *args, **kwargs):
            if not model_admin_allows(model_admin, request, name):
                raise PermissionDenied
            return view(model_admin, request, *args, **kwargs)

        checked.admin_permission = name
        return checked

    return decorate


def model_admin_allows(model_admin, request, name: str) -> bool:
    return getattr(model_admin, f"has_{name}_permission")(request)


class RecordAdminMixin:
    """For a ModelAdmin of records nobody edits by hand (the email log, signed documents):
    staff who may see them look; nobody adds, changes or deletes one in the admin."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
