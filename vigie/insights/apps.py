from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "vigie.insights"
    label = "insights"
    verbose_name = _("Statistics and correlation")

    def ready(self) -> None:
        from vigie.cases.header import deadline_source
        from vigie.cases.selectors import page_list
        from vigie.insights import scopes, tasks  # noqa: F401  (visibility rules, worker tasks)
        from vigie.insights.models import Indicator, Obligation
        from vigie.insights.selectors import obligation_deadlines

        # The case page's header shows the regulatory clock's next deadline.
        deadline_source(obligation_deadlines)
        # The case page reads them with its case, in its one statement (their rule is
        # the case's: tests/insights/test_case_page_reads.py).
        page_list("obligations", Obligation, ("done_by",))
        page_list("indicators", Indicator, ("added_by",))
