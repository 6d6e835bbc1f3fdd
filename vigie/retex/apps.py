from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetexConfig(AppConfig):
    name = "vigie.retex"
    label = "retex"
    verbose_name = _("Lessons learned")

    def ready(self) -> None:
        from vigie.retex import scopes  # noqa: F401  (visibility rules)
