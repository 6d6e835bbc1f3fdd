from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OncallConfig(AppConfig):
    name = "vigie.oncall"
    label = "oncall"
    verbose_name = _("On-call rota")

    def ready(self) -> None:
        from vigie.declarations.services import on_submitted
        from vigie.oncall import scopes  # noqa: F401  (visibility rules)
        from vigie.oncall.services import arrival_record

        # Who was on call when each declaration arrived, told at once when it asks for
        # urgent help out of hours.
        on_submitted(arrival_record)
