from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "vigie.community"
    label = "community"
    verbose_name = _("Community")

    def ready(self) -> None:
        from vigie.community import scopes  # noqa: F401  (visibility rules)
