"""Admin: the incident typology only. Declaration content is never exposed to operators."""

from __future__ import annotations

from django.contrib import admin

from vigie.declarations.models import IncidentType


@admin.register(IncidentType)
class IncidentTypeAdmin(admin.ModelAdmin[IncidentType]):
    list_display = ("label", "code", "is_malicious", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("is_active", "is_malicious")
    search_fields = ("label", "code")

    def get_readonly_fields(
        self, request: object, obj: IncidentType | None = None
    ) -> tuple[str, ...]:
        # Codes are referenced by the API and statistics: fixed once created.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: object, obj: IncidentType | None = None) -> bool:
        return False  # deactivate instead: past declarations keep their type
