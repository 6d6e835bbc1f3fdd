from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "vigie.inbox"
    label = "inbox"
    verbose_name = _("Functional mailboxes")

    def ready(self) -> None:
        from vigie.inbox import scopes, tasks  # noqa: F401  (visibility rules, worker tasks)
