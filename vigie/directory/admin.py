from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

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


class MembershipInline(admin.TabularInline[Membership, Structure]):
    model = Membership
    fk_name = "structure"
    extra = 0
    fields = ("user", "role", "starts_at", "granted_by", "revoked_at", "revocation_reason")
    autocomplete_fields = ("user", "granted_by")


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin[Structure]):
    list_display = ("name", "finess", "kind", "departement", "is_oiv", "is_siiv", "nis2_category")
    list_filter = ("kind", "is_oiv", "is_siiv", "nis2_category", "departement__region")
    search_fields = ("name", "finess", "town")
    autocomplete_fields = ("departement", "legal_entity", "director")
    inlines = (MembershipInline,)


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin[Vendor]):
    list_display = ("name", "security_contact", "website")
    search_fields = ("name",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ("user", "role", "structure", "region", "vendor", "starts_at", "revoked_at")
    list_filter = ("role", "region")
    search_fields = ("user__email", "user__last_name", "structure__name", "structure__finess")
    autocomplete_fields = ("user", "structure", "region", "vendor", "granted_by", "revoked_by")


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
