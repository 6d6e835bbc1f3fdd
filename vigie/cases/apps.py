from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "vigie.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from vigie.cases import scopes, tasks  # noqa: F401  (visibility rules, worker tasks)
