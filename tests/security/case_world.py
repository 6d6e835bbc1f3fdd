"""Cases in every state, civil and military, and a way to take every action of the
table on them as anybody: shared by the adversarial and outbound tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from vigie.cases.models import Case, CaseStatus, Question
from vigie.cases.services import (
    case_agree,
    case_answer,
    case_ask,
    case_choose_support,
    case_close,
    case_end_support,
    case_qualify,
    case_release,
    case_report_to_ars,
    case_resume_support,
    case_set_crisis,
    case_share_with_cell,
    case_switch_significant,
    case_take,
    case_track,
)
from vigie.cases.workflow import parties_of
from vigie.core.scoping import scope_for
from vigie.directory.models import Role
from vigie.insights.services import indicator_add, obligation_record, obligations_sync
from vigie.retex.services import retex_write

KINDS = ("civil", "military", "military_care")
STATES = (
    CaseStatus.AWAITING_QUALIFICATION,
    CaseStatus.TO_PROCESS,
    CaseStatus.TO_CLOSE,
    CaseStatus.CLOSED,
)
# Everybody of the world, and the structure's own declarant ("declarant").
ROLES = (
    "declarant",
    "member_lyon",
    "declarant_reunion",
    "director_paris",
    "acss",
    "ars_ara",
    "ars_idf",
    "ars_reunion",
    "hfds",
    "dgs",
    "ansm",
    "defence",
    "vendor_contact",
    "admin",
    "nobody",
)


def military_declarant(world: Any, make_user: Any) -> Any:
    if not hasattr(world, "declarant_military"):
        world.declarant_military = make_user(Role.DECLARANT, structure=world.military)
    return world.declarant_military


def who(world: Any, kind: str, role: str) -> Any:
    if role == "declarant":
        return world.declarant_lyon if kind == "civil" else world.declarant_military
    return getattr(world, role)


def case_in(world: Any, make_case: Callable[..., Case], kind: str, state: str) -> Case:
    """A case of ``kind`` brought to ``state`` by the people whose job it is."""
    if kind == "civil":
        case = make_case(world.lyon, world.declarant_lyon)
        qualifier, handler = world.acss, world.acss
        agreements = [("cell", world.acss), ("ars", world.ars_ara), ("structure", None)]
        declarant = world.declarant_lyon
    else:
        care = "actual" if kind == "military_care" else "none"
        case = make_case(world.military, world.declarant_military, care_impact=care)
        qualifier, handler = world.defence, world.defence
        agreements = [("defence", world.defence), ("structure", None)]
        declarant = world.declarant_military
    if state == CaseStatus.AWAITING_QUALIFICATION:
        return case
    case = case_qualify(
        case=case, by=qualifier, version=None, criticity="serious", outcomes=["b2"], note="Q"
    )
    if state == CaseStatus.TO_PROCESS:
        return case
    case = case_end_support(case=case, by=handler, version=None, reason="Fin")
    if state == CaseStatus.TO_CLOSE:
        return case
    for party, by in agreements:
        case_agree(case=case, by=by or declarant, party=party, opinion="useful")
    return case_close(case=case, by=handler, version=None, synthesis="Synthèse")


def _question(case: Case, world: Any) -> Question:
    question = case.questions.filter(answered_at__isnull=True).first()
    if question is None:
        asker = world.defence if case.is_military else world.acss
        question = Question.objects.create(case=case, text="Quels serveurs ?", asked_by=asker)
    return question


def _party(user: Any, case: Case) -> str:
    parties = parties_of(scope_for(user), case)
    return parties[0] if parties else "cell"


def _owed_kind(case: Case) -> str:
    obligations = obligations_sync(case=case)
    return obligations[0].kind if obligations else "ars_cell"


# One way to take each action of the table through its service (the test checks that
# this dict names every action of the table).
EXERCISE: dict[str, Callable[[Any, Case, Any], object]] = {
    "qualify": lambda u, c, w: case_qualify(
        case=c, by=u, version=None, criticity="not_incident", outcomes=["b1"], note="B1"
    ),
    "take": lambda u, c, w: case_take(case=c, by=u),
    "release": lambda u, c, w: case_release(case=c, by=u),
    "ask": lambda u, c, w: case_ask(case=c, by=u, text="Une question ?"),
    "answer": lambda u, c, w: case_answer(question=_question(c, w), by=u, answer="Réponse"),
    "support": lambda u, c, w: case_choose_support(case=c, by=u, version=None, mode="cell"),
    "track": lambda u, c, w: case_track(case=c, by=u, kind="containment", text="Isoler"),
    "track_structure_action": lambda u, c, w: case_track(
        case=c, by=u, kind="structure_action", text="Restauré"
    ),
    "report": lambda u, c, w: case_report_to_ars(case=c, by=u, text="Point hebdomadaire"),
    "significant": lambda u, c, w: case_switch_significant(
        case=c, by=u, version=None, reason="Vague"
    ),
    "crisis": lambda u, c, w: case_set_crisis(case=c, by=u, version=None, on=True, reason="x"),
    "share": lambda u, c, w: case_share_with_cell(case=c, by=u, version=None, reason="x"),
    "end_support": lambda u, c, w: case_end_support(case=c, by=u, version=None, reason="x"),
    "resume_support": lambda u, c, w: case_resume_support(
        case=c, by=u, version=None, reason="Réinfection"
    ),
    "agree": lambda u, c, w: case_agree(case=c, by=u, party=_party(u, c), opinion="useful"),
    "close": lambda u, c, w: case_close(case=c, by=u, version=None, synthesis="Synthèse"),
    "recommend": lambda u, c, w: case_track(
        case=c, by=u, kind="recommendation", text="Recommandation sanitaire"
    ),
    "indicator": lambda u, c, w: indicator_add(case=c, by=u, kind="ip", value="192.0.2.10"),
    "obligation": lambda u, c, w: obligation_record(
        case=c, by=u, kind=_owed_kind(c), done_at=timezone.now()
    ),
    "retex": lambda u, c, w: retex_write(case=c, by=u, causes="Sauvegardes exposées"),
}
