"""Admin: the e-mail outbox as delivery metadata (no message bodies), with a retry action."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from vigie.notifications.models import EmailStatus, OutgoingEmail
from vigie.notifications.services import email_dispatch


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin[OutgoingEmail]):
    list_display = ("created_at", "subject", "recipients", "status", "attempts", "sent_at")
    list_filter = ("status", "purpose")
    search_fields = ("to", "subject")
    date_hierarchy = "created_at"
    fields = (
        "to",
        "subject",
        "purpose",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields
    actions = ("retry_now",)

    @admin.display(description=_("recipients"))
    def recipients(self, email: OutgoingEmail) -> str:
        return ", ".join(email.to)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutgoingEmail | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutgoingEmail | None = None) -> bool:
        return False

    @admin.action(description=_("Retry sending now"), permissions=["view"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutgoingEmail]) -> None:
        retried = 0
        for email in queryset.exclude(status=EmailStatus.SENT):
            if email.status == EmailStatus.FAILED:
                email.status = EmailStatus.PENDING
                email.save(update_fields=["status"])
            email_dispatch(email_id=email.pk)
            retried += 1
        self.message_user(
            request,
            ngettext("%(count)d e-mail queued again.", "%(count)d e-mails queued again.", retried)
            % {"count": retried},
            messages.SUCCESS,
        )
