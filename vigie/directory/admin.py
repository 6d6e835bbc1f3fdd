from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigie.directory import services
from vigie.directory.models import (
    Departement,
    LegalEntity,
    Membership,
    Region,
    Structure,
    User,
    Vendor,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ("code", "name", "ars_name", "ssi_mailbox", "timezone")
    search_fields = ("name", "code")


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin[Departement]):
    list_display = ("code", "name", "region", "is_collectivity")
    list_filter = ("region",)
    search_fields = ("name", "code")


@admin.register(LegalEntity)
class LegalEntityAdmin(admin.ModelAdmin[LegalEntity]):
    list_display = ("finess", "name", "departement")
    search_fields = ("finess", "name")
    autocomplete_fields = ("departement",)


# --- memberships: nobody grants a role to themselves; every grant is announced ----------

# A change to one of these fields gives a role (to someone, somewhere, from some date).
_GRANTING_FIELDS = frozenset({"user", "role", "structure", "region", "vendor", "starts_at"})


def _grants(form: forms.ModelForm[Any]) -> bool:
    """The membership form creates a role or changes one so that it gives more."""
    if form.instance._state.adding:
        return True
    changed = set(form.changed_data)
    if changed & _GRANTING_FIELDS:
        return True
    if "revoked_at" in changed:  # lifting or postponing a revocation
        before, after = form.initial.get("revoked_at"), form.cleaned_data.get("revoked_at")
        return after is None or (before is not None and after > before)
    return False


def _in_force(membership: Membership) -> bool:
    return membership.revoked_at is None or membership.revoked_at > timezone.now()


class MembershipAdminForm(forms.ModelForm[Membership]):
    acting_user: Any = None  # set per request by the admin classes below

    class Meta:
        model = Membership
        fields = (
            "user",
            "role",
            "structure",
            "region",
            "vendor",
            "starts_at",
            "revoked_at",
            "revocation_reason",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        user = cleaned.get("user")
        user_id = user.pk if user is not None else self.instance.user_id
        if (
            self.acting_user is not None
            and user_id == self.acting_user.pk
            and _grants(self)
            and not self.errors
        ):
            raise ValidationError(services.SELF_GRANT_MESSAGE, code="self_grant")
        return cleaned


def _with_acting_user(form: type[forms.ModelForm[Any]], request: HttpRequest) -> Any:
    return type(form.__name__, (form,), {"acting_user": request.user})


def _save_membership(
    request: HttpRequest, membership: Membership, *, granting: bool, changed: list[str]
) -> None:
    """Save a membership from the admin, then announce it if it granted a role."""
    if membership._state.adding:
        membership.granted_by = request.user  # type: ignore[assignment]
    if "revoked_at" in changed and membership.revoked_at and not membership.revoked_by:
        membership.revoked_by = request.user  # type: ignore[assignment]
    membership.save()
    if granting and _in_force(membership):
        services.grant_announce(
            by=request.user,  # type: ignore[arg-type]
            user=membership.user,
            what=services.membership_label(membership),
        )


class MembershipInline(admin.TabularInline[Membership, Structure]):
    model = Membership
    form = MembershipAdminForm
    fk_name = "structure"
    extra = 0
    fields = ("user", "role", "starts_at", "granted_by", "revoked_at", "revocation_reason")
    readonly_fields = ("granted_by",)
    autocomplete_fields = ("user",)

    def get_formset(
        self, request: HttpRequest, obj: Structure | None = None, **kwargs: Any
    ) -> type[BaseInlineFormSet[Membership, Structure, Any]]:
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = _with_acting_user(formset.form, request)
        return formset


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin[Structure]):
    list_display = ("name", "finess", "kind", "departement", "is_oiv", "is_siiv", "nis2_category")
    list_filter = ("kind", "is_oiv", "is_siiv", "nis2_category", "departement__region")
    search_fields = ("name", "finess", "town")
    autocomplete_fields = ("departement", "legal_entity", "director")
    inlines = (MembershipInline,)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        changed = {
            id(f.instance): (_grants(f), f.changed_data)
            for f in formset.forms
            if f.has_changed() and f not in formset.deleted_forms
        }
        memberships = formset.save(commit=False)  # also lists what changed, for the log
        for membership in formset.deleted_objects:
            membership.delete()
        for membership in memberships:
            granting, fields = changed.get(id(membership), (True, []))
            _save_membership(request, membership, granting=granting, changed=fields)


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin[Vendor]):
    list_display = ("name", "security_contact", "website")
    search_fields = ("name",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    form = MembershipAdminForm
    list_display = ("user", "role", "structure", "region", "vendor", "starts_at", "revoked_at")
    list_filter = ("role", "region")
    search_fields = ("user__email", "user__last_name", "structure__name", "structure__finess")
    autocomplete_fields = ("user", "structure", "region", "vendor")
    readonly_fields = ("granted_by", "revoked_by")

    def get_form(
        self,
        request: HttpRequest,
        obj: Membership | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        return _with_acting_user(super().get_form(request, obj, change=change, **kwargs), request)

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        _save_membership(request, obj, granting=_grants(form), changed=form.changed_data)


# Only a superuser sees or changes these: with them an administrator could raise itself.
_SUPERUSER_ONLY = frozenset({"is_superuser", "groups", "user_permissions"})


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "job_title", "is_active", "is_staff")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identity"), {"fields": ("first_name", "last_name", "job_title", "phone")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (
                name,
                {**options, "fields": [f for f in options["fields"] if f not in _SUPERUSER_ONLY]},
            )
            for name, options in fieldsets
        ]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # A superuser's account (its address, its password) is out of an administrator's
        # reach: changing it would be a takeover.
        if (
            obj is not None
            and getattr(obj, "is_superuser", False)
            and not request.user.is_superuser
        ):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if (
            obj is not None
            and getattr(obj, "is_superuser", False)
            and not request.user.is_superuser
        ):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        granted = [
            label
            for field, label in (
                ("is_staff", _("access to the administration")),
                ("is_superuser", _("the superuser status")),
            )
            if field in form.changed_data and getattr(obj, field)
        ]
        super().save_model(request, obj, form, change)
        for what in granted:
            services.grant_announce(by=request.user, user=obj, what=str(what))  # type: ignore[arg-type]
