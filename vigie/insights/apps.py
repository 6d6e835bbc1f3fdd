from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "vigie.insights"
    label = "insights"
    verbose_name = _("Statistics and correlation")

    def ready(self) -> None:
        from vigie.cases.header import deadline_source
        from vigie.insights import scopes, tasks  # noqa: F401  (visibility rules, worker tasks)
        from vigie.insights.selectors import obligation_deadlines

        # The case page's header shows the regulatory clock's next deadline.
        deadline_source(obligation_deadlines)
