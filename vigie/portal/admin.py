from __future__ import annotations

from django.contrib import admin

from vigie.portal.models import Bulletin, Guide, ProviderListEntry, ReflexSheet


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin[Bulletin]):
    list_display = ("title", "severity", "state", "published_at")
    list_filter = ("state", "severity")
    search_fields = ("title", "summary", "cve_ids")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("vendors",)


@admin.register(ReflexSheet)
class ReflexSheetAdmin(admin.ModelAdmin[ReflexSheet]):
    list_display = ("title", "incident_type", "audience", "structure_kind", "state")
    list_filter = ("state", "audience", "structure_kind", "incident_type")
    search_fields = ("title", "body")
    prepopulated_fields = {"slug": ("title",)}


@admin.register(Guide)
class GuideAdmin(admin.ModelAdmin[Guide]):
    list_display = ("title", "kind", "state", "published_at")
    list_filter = ("state", "kind")
    search_fields = ("title", "summary", "body")
    prepopulated_fields = {"slug": ("title",)}


@admin.register(ProviderListEntry)
class ProviderListEntryAdmin(admin.ModelAdmin[ProviderListEntry]):
    list_display = ("name", "qualification", "regions", "state")
    list_filter = ("state",)
    search_fields = ("name", "services")
