from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "vigie.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from vigie.api import (  # noqa: F401  (visibility rules, OpenAPI extension)
            schema,
            scopes,
        )
