"""The case workflow in two tables: the allowed transitions, and every action on a case.

States (SPEC section 4): awaiting_qualification → to_process → to_close → closed; a
declaration qualified "not a security incident" (B1) goes straight to closed, and support
can resume from to_close. Nothing else is allowed.

Every action on a case is one row of ``ACTIONS``: the states it may start from, who may do
it (role and relation to the case) and the conditions the case must meet. One function,
``refusal(name, scope, case)``, answers for the page (which forms to show, through
``available_actions``), the view (403) and the service (inside the locked transaction,
through ``action_check``). Nothing restates these rules elsewhere: tests are generated
from the table, so a new action is covered by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigie.cases.models import Case, CaseStatus, Party, TrackingKind
from vigie.cases.scopes import case_readable
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


# --- relations of a person to a case ----------------------------------------------------
# The region of a case is ``case.region_id`` everywhere (visibility, rights, messages,
# closure parties): a structure that moves region moves its open cases explicitly
# (services.case_follow_structure).


def own_ars(scope: Scope, case: Case) -> bool:
    """An officer of the ARS of the case's region."""
    return case.region_id in scope.ars_region_ids


def ars_informed(case: Case) -> bool:
    """The ARS follows the case: always, except a military hospital's whose care is not
    affected (it only received the notice of existence)."""
    return not case.is_military or case.care_affected


def handles(scope: Scope, case: Case) -> bool:
    """National or regional staff in charge of the case."""
    if case.is_military:
        return scope.has("defence", "hfds") or (scope.has("acss_analyst") and case.shared_with_cell)
    return scope.has("acss_analyst", "hfds") or own_ars(scope, case)


def declares_for(scope: Scope, case: Case) -> bool:
    """The structure's director or a designated declarant (not an SSI correspondent)."""
    return case.structure_id in scope.declarant_structure_ids


def qualifier(scope: Scope, case: Case) -> bool:
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
        if own_ars(scope, case):
            parties.append(Party.ARS)
        if scope.has("hfds") and case.is_significant:
            parties.append(Party.HFDS)
    if declares_for(scope, case):
        parties.append(Party.STRUCTURE)
    return parties


def staff_parties(scope: Scope, case: Case) -> list[str]:
    """The parties a member of staff acts for on this case (who may take it in charge)."""
    parties: list[str] = []
    if case.is_military:
        if scope.has("defence"):
            parties.append(Party.DEFENCE)
        if scope.has("acss_analyst") and case.shared_with_cell:
            parties.append(Party.CELL)
    else:
        if scope.has("acss_analyst"):
            parties.append(Party.CELL)
        if own_ars(scope, case):
            parties.append(Party.ARS)
    if scope.has("hfds"):
        parties.append(Party.HFDS)
    return parties


def missing_agreements(case: Case, given: set[str] | None = None) -> list[str]:
    """The parties whose agreement closure still needs. ``given``: the parties that agreed,
    when the caller read every agreement of the case (the case page); else those the case
    object holds (read with it by the case page's selector), or read afresh (the services'
    locked case)."""
    if given is None:
        read = getattr(case, "_prefetched_objects_cache", {}).get("agreements")
        if read is not None:
            given = {agreement.party for agreement in read}
        else:
            given = set(case.agreements.values_list("party", flat=True))
    return [party for party in required_parties(case) if party not in given]


# --- the action table -----------------------------------------------------------------

Who = Callable[[Scope, Case], bool]
# A condition returns None when met, or the message explaining why not.
Condition = Callable[[Case], "str | None"]


@dataclass(frozen=True)
class Action:
    name: str
    label: Promise
    states: frozenset[str]
    who: Who
    conditions: tuple[Condition, ...] = ()

    @property
    def on_closed(self) -> bool:
        """Whether the action may be taken on a closed case (only the RETEX)."""
        return CaseStatus.CLOSED in self.states


OPEN = frozenset({S.AWAITING_QUALIFICATION, S.TO_PROCESS, S.TO_CLOSE})
QUALIFIED_OPEN = frozenset({S.TO_PROCESS, S.TO_CLOSE})


def _not_significant(case: Case) -> str | None:
    return _("This case is already significant.") if case.is_significant else None


def _significant(case: Case) -> str | None:
    if case.is_significant:
        return None
    return _("Crisis mode is for significant incidents.")


def _ars_follows(case: Case) -> str | None:
    if ars_informed(case):
        return None
    return _("The ARS is not informed of this military hospital's case: care is not affected.")


def _not_shared(case: Case) -> str | None:
    return (
        _("This case is already shared with the support cell.") if case.shared_with_cell else None
    )


def _all_agreed(case: Case) -> str | None:
    missing = missing_agreements(case)
    if not missing:
        return None
    return _("Closure needs the agreement of: %(parties)s.") % {
        "parties": ", ".join(str(Party(p).label) for p in missing)
    }


def _agreeing_party(scope: Scope, case: Case) -> bool:
    return bool(parties_of(scope, case))


def _retex_writer(scope: Scope, case: Case) -> bool:
    # The ARS of a military hospital writes one only when it may read the case (care
    # affected): refusal() requires the case to be readable first.
    return scope.has("acss_analyst", "hfds") or own_ars(scope, case)


def _reports_structure_action(scope: Scope, case: Case) -> bool:
    # The structure's declarants, or the staff in charge writing down what it told them.
    return declares_for(scope, case) or handles(scope, case)


def _records_notifications(scope: Scope, case: Case) -> bool:
    # The structure owes its notifications (CNIL, NIS2): it records them too.
    return declares_for(scope, case) or handles(scope, case)


def _dgs_on_b3(scope: Scope, case: Case) -> bool:
    return scope.has("dgs") and "b3" in (case.outcomes or [])


def _not_own_ars(scope: Scope, case: Case) -> bool:
    # The ARS's own entries already count as its weekly update.
    return handles(scope, case) and not own_ars(scope, case)


def _choose_support(scope: Scope, case: Case) -> bool:
    return not case.is_military and own_ars(scope, case)


def _switch_significant(scope: Scope, case: Case) -> bool:
    return not case.is_military and scope.has("acss_analyst", "hfds")


def _hfds(scope: Scope, case: Case) -> bool:
    return scope.has("hfds")


def _defence_on_military(scope: Scope, case: Case) -> bool:
    return case.is_military and scope.has("defence")


def _staff_party(scope: Scope, case: Case) -> bool:
    # Whoever may take the case may step back from it (stepping back from a case one is
    # not on does nothing).
    return bool(staff_parties(scope, case))


def _closer(scope: Scope, case: Case) -> bool:
    return scope.has("defence") if case.is_military else scope.has("acss_analyst")


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "qualify",
            gettext_lazy("Qualify the incident"),
            frozenset({S.AWAITING_QUALIFICATION}),
            qualifier,
        ),
        Action("take", gettext_lazy("Take the case in charge"), OPEN, _staff_party),
        Action("release", gettext_lazy("Step back from the case"), OPEN, _staff_party),
        Action("ask", gettext_lazy("Ask the declarant a question"), OPEN, handles),
        Action("answer", gettext_lazy("Answer a question"), OPEN, declares_for),
        Action(
            "support",
            gettext_lazy("Choose the support mode"),
            frozenset({S.TO_PROCESS}),
            _choose_support,
        ),
        Action("track", gettext_lazy("Add a tracking-sheet entry"), OPEN, handles),
        Action(
            "track_structure_action",
            gettext_lazy("Report an action of the structure"),
            OPEN,
            _reports_structure_action,
        ),
        Action(
            "report",
            gettext_lazy("Report progress to the ARS"),
            QUALIFIED_OPEN,
            _not_own_ars,
            (_ars_follows,),
        ),
        Action(
            "significant",
            gettext_lazy("Switch to significant"),
            frozenset({S.TO_PROCESS}),
            _switch_significant,
            (_not_significant,),
        ),
        Action("crisis", gettext_lazy("Crisis mode"), QUALIFIED_OPEN, _hfds, (_significant,)),
        Action(
            "share",
            gettext_lazy("Share with the support cell"),
            OPEN,
            _defence_on_military,
            (_not_shared,),
        ),
        Action("end_support", gettext_lazy("End support"), frozenset({S.TO_PROCESS}), handles),
        Action("resume_support", gettext_lazy("Resume support"), frozenset({S.TO_CLOSE}), handles),
        Action("agree", gettext_lazy("Agree to close"), frozenset({S.TO_CLOSE}), _agreeing_party),
        Action(
            "close",
            gettext_lazy("Close the case"),
            frozenset({S.TO_CLOSE}),
            _closer,
            (_all_agreed,),
        ),
        Action(
            "recommend",
            gettext_lazy("Recommend (sanitary impact)"),
            QUALIFIED_OPEN,
            _dgs_on_b3,
        ),
        Action("indicator", gettext_lazy("Add an indicator"), OPEN, handles),
        Action(
            "obligation",
            gettext_lazy("Record a notification made"),
            OPEN,
            _records_notifications,
        ),
        Action(
            "retex",
            gettext_lazy("Write the lessons learned"),
            frozenset({S.CLOSED}),
            _retex_writer,
        ),
    )
}


@dataclass(frozen=True)
class Refusal:
    """Why an action is refused: ``forbidden`` (the person may never do it on this case:
    403) or not now (the case's state or conditions: shown on the page, input kept)."""

    message: str
    forbidden: bool


def _state_message(action: Action, case: Case) -> str:
    if case.status == CaseStatus.CLOSED:
        return _("This case is closed: it can no longer be changed.")
    if action.states == {S.CLOSED}:
        return _("Lessons learned are written once the case is closed.")
    return _("This action is not possible on a case “%(status)s”.") % {
        "status": CaseStatus(case.status).label
    }


def refusal(name: str, scope: Scope, case: Case) -> Refusal | None:
    """None when ``scope`` may take action ``name`` on ``case`` now, else why not."""
    action = ACTIONS[name]
    if not case_readable(scope, case) or not action.who(scope, case):
        return Refusal(_("You are not allowed to do this on this case."), forbidden=True)
    if case.status not in action.states:
        return Refusal(_state_message(action, case), forbidden=False)
    for condition in action.conditions:
        message = condition(case)
        if message is not None:
            return Refusal(message, forbidden=False)
    return None


def may(name: str, scope: Scope, case: Case) -> bool:
    """Whether the person may take the action on this case at all (its role and relation,
    whatever the state): the view answers 403 otherwise."""
    action = ACTIONS[name]
    return case_readable(scope, case) and action.who(scope, case)


def available_actions(scope: Scope, case: Case) -> frozenset[str]:
    """The actions ``scope`` may take on ``case`` now: the forms its page shows."""
    return frozenset(name for name in ACTIONS if refusal(name, scope, case) is None)


def action_check(name: str, scope: Scope, case: Case) -> None:
    """Raise unless the action is allowed (called by each service on the locked case)."""
    refused = refusal(name, scope, case)
    if refused is None:
        return
    if refused.forbidden:
        raise PermissionDenied(refused.message)
    raise TransitionRefused(refused.message)


# Which action of the table records each kind of tracking-sheet entry.
DGS_KINDS = frozenset({TrackingKind.RECOMMENDATION, TrackingKind.PALLIATIVE})


def tracking_action(kind: str) -> str:
    if kind == TrackingKind.STRUCTURE_ACTION:
        return "track_structure_action"
    if kind in DGS_KINDS:
        return "recommend"
    return "track"


def tracking_kinds(scope: Scope, case: Case, *, now: bool = True) -> list[str]:
    """The tracking-sheet kinds a person may record (``now``: in the case's current
    state; otherwise whatever the state, for the view's 403)."""

    def allowed(name: str) -> bool:
        return refusal(name, scope, case) is None if now else may(name, scope, case)

    return [kind for kind in TrackingKind.values if allowed(tracking_action(kind))]


def tracking_check(scope: Scope, case: Case, kind: str) -> None:
    """``action_check`` for a tracking entry of ``kind``."""
    action_check(tracking_action(kind), scope, case)
