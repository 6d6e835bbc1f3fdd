from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "vigie.alerts"
    label = "alerts"
    verbose_name = _("Alerts and vendor requests")

    def ready(self) -> None:
        from vigie.alerts import scopes  # noqa: F401  (visibility rules)
