from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "vigie.directory"
    label = "directory"
    verbose_name = _("Reference data and people")

    def ready(self) -> None:
        from vigie.directory import scopes  # noqa: F401  (registers visibility rules)
