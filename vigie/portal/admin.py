"""The portal's documents in the admin, read only: they are written, reviewed and
published in the editorial space (/portail/redaction/), where every publication is a
version. An admin change would reach the public unreviewed and unversioned."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from vigie.portal.models import Bulletin, Guide, ProviderListEntry, ReflexSheet, Revision


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdmin):
    list_display = ("title", "severity", "state", "version", "revised_at")
    list_filter = ("state", "severity")
    search_fields = ("title", "summary", "cve_ids")


@admin.register(ReflexSheet)
class ReflexSheetAdmin(ReadOnlyAdmin):
    list_display = ("title", "incident_type", "audience", "structure_kind", "state", "version")
    list_filter = ("state", "audience", "structure_kind", "incident_type")
    search_fields = ("title", "body")


@admin.register(Guide)
class GuideAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "state", "version", "revised_at")
    list_filter = ("state", "kind")
    search_fields = ("title", "summary", "body")


@admin.register(ProviderListEntry)
class ProviderListEntryAdmin(ReadOnlyAdmin):
    list_display = ("name", "qualification", "regions", "state")
    list_filter = ("state",)
    search_fields = ("name", "services")


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "state", "number", "edited_by", "reviewed_by", "edited_at")
    list_filter = ("kind", "state")
    search_fields = ("title",)
