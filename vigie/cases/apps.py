from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "vigie.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from vigie.cases import scopes, tasks  # noqa: F401  (visibility rules, worker tasks)
        from vigie.cases.services import case_follow_declaration, case_open_on_submission
        from vigie.cases.taken import case_taken_confirmed, case_taken_on_submission
        from vigie.declarations.services import on_completed, on_submitted
        from vigie.declarations.taken import on_confirmed

        # A submitted declaration opens its case in the same transaction; completing it
        # afterwards (a quick declaration) is written on the case.
        on_submitted(case_open_on_submission)
        on_completed(case_follow_declaration)
        # A declaration taken by the cell: the structure is asked to confirm it, and
        # its confirmation is written on the timeline.
        on_submitted(case_taken_on_submission)
        on_confirmed(case_taken_confirmed)
