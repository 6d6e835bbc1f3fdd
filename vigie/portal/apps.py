from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "vigie.portal"
    label = "portal"
    verbose_name = _("Public portal")

    def ready(self) -> None:
        from vigie.cases import documents
        from vigie.portal import scopes  # noqa: F401  (visibility rules)
        from vigie.portal.attachable import ProvidersSource, ReflexSheetSource

        # A tracking-sheet entry attaches the reflex sheet or the providers list sent.
        documents.register(ReflexSheetSource())
        documents.register(ProvidersSource())
