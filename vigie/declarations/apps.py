from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "vigie.declarations"
    label = "declarations"
    verbose_name = _("Declarations")

    def ready(self) -> None:
        from vigie.declarations import scopes  # noqa: F401  (registers visibility rules)
