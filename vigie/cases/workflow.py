"""The case workflow in one table: allowed transitions, who may act, who must agree.

States (SPEC section 4): awaiting_qualification → to_process → to_close → closed; a
declaration qualified "not a security incident" (B1) goes straight to closed, and support
can resume from to_close. Nothing else is allowed.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigie.cases.models import Case, CaseStatus, Party
from vigie.core.scoping import Scope

S = CaseStatus
TRANSITIONS: dict[tuple[str, str], object] = {
    (S.AWAITING_QUALIFICATION, S.TO_PROCESS): gettext_lazy("qualified as a security incident"),
    (S.AWAITING_QUALIFICATION, S.CLOSED): gettext_lazy("not a security incident (B1)"),
    (S.TO_PROCESS, S.TO_CLOSE): gettext_lazy("support ended"),
    (S.TO_CLOSE, S.TO_PROCESS): gettext_lazy("support resumed"),
    (S.TO_CLOSE, S.CLOSED): gettext_lazy("closed with the agreement of all parties"),
}


class TransitionRefused(Exception):
    """A forbidden transition or action; the message is shown to the user as is."""


class ConcurrentEdit(Exception):
    """The case changed since the user loaded it."""


def check_transition(case: Case, to: str) -> None:
    if (case.status, to) not in TRANSITIONS:
        raise TransitionRefused(
            _("A case “%(from)s” cannot become “%(to)s”.")
            % {"from": CaseStatus(case.status).label, "to": CaseStatus(to).label}
        )


def allowed_targets(case: Case) -> list[str]:
    return [to for (frm, to) in TRANSITIONS if frm == case.status]


# --- who may do what -----------------------------------------------------------------


def _handles(scope: Scope, case: Case) -> bool:
    """National or regional staff in charge of the case."""
    if case.is_military:
        return scope.has("defence", "hfds") or (scope.has("acss_analyst") and case.shared_with_cell)
    if scope.has("acss_analyst", "hfds"):
        return True
    return case.structure.departement.region_id in scope.ars_region_ids


def can_qualify(scope: Scope, case: Case) -> bool:
    if case.is_military:
        return scope.has("defence")
    return scope.has("acss_analyst")


def can_ask(scope: Scope, case: Case) -> bool:
    return _handles(scope, case)


def can_answer(scope: Scope, case: Case) -> bool:
    return case.structure_id in scope.declarant_structure_ids


def can_choose_support(scope: Scope, case: Case) -> bool:
    return not case.is_military and case.structure.departement.region_id in scope.ars_region_ids


def can_track(scope: Scope, case: Case) -> bool:
    return _handles(scope, case)


def can_report_structure_action(scope: Scope, case: Case) -> bool:
    return case.structure_id in scope.structure_ids


def can_switch_significant(scope: Scope, case: Case) -> bool:
    return not case.is_military and scope.has("acss_analyst", "hfds")


def can_set_crisis(scope: Scope, case: Case) -> bool:
    return scope.has("hfds") and case.is_significant


def can_share_with_cell(scope: Scope, case: Case) -> bool:
    return case.is_military and scope.has("defence")


def can_end_support(scope: Scope, case: Case) -> bool:
    return _handles(scope, case)


def can_close(scope: Scope, case: Case) -> bool:
    return scope.has("defence") if case.is_military else scope.has("acss_analyst")


def required_parties(case: Case) -> list[str]:
    """Who must agree before closure (phase 5)."""
    if case.is_military:
        return [Party.DEFENCE.value, Party.STRUCTURE.value]
    parties: list[str] = [Party.CELL, Party.ARS]
    if case.is_significant:
        parties.append(Party.HFDS)
    parties.append(Party.STRUCTURE)
    return parties


def parties_of(scope: Scope, case: Case) -> list[str]:
    """The parties a user may agree for on this case."""
    parties: list[str] = []
    if case.is_military:
        if scope.has("defence"):
            parties.append(Party.DEFENCE)
    else:
        if scope.has("acss_analyst"):
            parties.append(Party.CELL)
        if case.structure.departement.region_id in scope.ars_region_ids:
            parties.append(Party.ARS)
        if scope.has("hfds") and case.is_significant:
            parties.append(Party.HFDS)
    if case.structure_id in scope.declarant_structure_ids:
        parties.append(Party.STRUCTURE)
    return parties
