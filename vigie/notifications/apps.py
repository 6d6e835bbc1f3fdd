from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "vigie.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from vigie.notifications import scopes, tasks  # noqa: F401  (rules and worker tasks)
