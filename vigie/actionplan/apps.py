from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionPlanConfig(AppConfig):
    name = "vigie.actionplan"
    label = "actionplan"
    verbose_name = _("SSI action plan")

    def ready(self) -> None:
        # Visibility rules and worker tasks register themselves on import.
        import vigie.actionplan.scopes
        import vigie.actionplan.tasks  # noqa: F401
