"""The case workflow: every allowed transition by the right role, every forbidden one
refused with a clear message, each step on the append-only timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from vigie.cases import workflow
from vigie.cases.models import Case, CaseStatus, EventKind, TimelineEvent
from vigie.cases.services import (
    case_agree,
    case_answer,
    case_ask,
    case_choose_support,
    case_close,
    case_end_support,
    case_qualify,
    case_report_to_ars,
    case_resume_support,
    case_set_crisis,
    case_share_with_cell,
    case_switch_significant,
    case_track,
)
from vigie.notifications.models import Notification, OutgoingEmail

pytestmark = pytest.mark.django_db
S = CaseStatus


def statuses(case: Case) -> list[tuple[str, str]]:
    return [
        (e.from_status, e.to_status)
        for e in case.timeline.filter(kind=EventKind.TRANSITION).order_by("at", "pk")
    ]


def emails(case: Case, purpose: str) -> list[list[str]]:
    return [e.to for e in OutgoingEmail.objects.filter(topic=f"case:{case.pk}", purpose=purpose)]


def test_every_state_has_its_allowed_targets_and_nothing_else() -> None:
    assert workflow.TRANSITIONS.keys() == {
        (S.AWAITING_QUALIFICATION, S.TO_PROCESS),
        (S.AWAITING_QUALIFICATION, S.CLOSED),
        (S.TO_PROCESS, S.TO_CLOSE),
        (S.TO_CLOSE, S.TO_PROCESS),
        (S.TO_CLOSE, S.CLOSED),
    }


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (current, target)
        for current in S.values
        for target in S.values
        if (current, target) not in workflow.TRANSITIONS
    ],
)
def test_forbidden_transitions_are_refused_in_french(current: str, target: str) -> None:
    case = Case(status=current)
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.check_transition(case, target)
    assert str(refused.value) == (
        f"Un dossier « {S(current).label} » ne peut pas passer à « {S(target).label} »."
    )


def test_opening_on_submission(world: Any, make_case: Callable[..., Case]) -> None:
    case = make_case(world.lyon_lab, world.declarant_lyon_lab)
    assert case.status == S.AWAITING_QUALIFICATION
    assert case.reference == case.declaration.reference
    opened = case.timeline.get()
    assert (opened.kind, opened.to_status, opened.actor) == (
        EventKind.OPENED,
        S.AWAITING_QUALIFICATION,
        None,
    )


def test_b1_not_an_incident_closes_at_once_and_informs_the_declarant(
    world: Any, make_case: Callable[..., Case]
) -> None:
    case = make_case(world.lyon_lab, world.declarant_lyon_lab)
    case = case_qualify(
        case=case,
        by=world.acss,
        version=case.version,
        criticity="not_incident",
        outcomes=["b1"],
        note="Panne d'imprimante sans lien avec la sécurité.",
    )
    assert case.status == S.CLOSED and case.closed_by == world.acss
    assert statuses(case) == [(S.AWAITING_QUALIFICATION, S.CLOSED)]
    assert emails(case, "qualified:declarant") == [["claire.martin@chu.example.test"]]
    assert Notification.objects.filter(
        user=world.declarant_lyon_lab, topic=f"case:{case.pk}"
    ).exists()
    with pytest.raises(workflow.TransitionRefused, match="clôturé"):
        case_ask(case=case, by=world.acss, text="Encore une question ?")


def test_full_life_of_a_serious_case(world: Any, make_case: Callable[..., Case]) -> None:
    case = make_case(world.lyon_lab, world.declarant_lyon_lab)
    case = case_qualify(
        case=case,
        by=world.acss,
        version=case.version,
        criticity="serious",
        outcomes=["b2", "b3"],
        note="Chiffrement du serveur de résultats.",
    )
    assert case.status == S.TO_PROCESS and not case.piloted_by_hfds
    # B2 informs the HFDS, B3 alerts the DGS and the FSSI, the ARS hears of the qualification.
    assert emails(case, "qualified:hfds") == [["ssi@sg.social.gouv.fr"]]
    assert emails(case, "qualified:dgs") == [["alerte@sante.gouv.fr", "ssi@sg.social.gouv.fr"]]
    assert emails(case, "qualified:ars") == [["ssi-auvergne-rhone-alpes@ars.sante.fr"]]

    question = case_ask(case=case, by=world.acss, text="Les sauvegardes sont-elles intactes ?")
    evidence = case_ask(
        case=case, by=world.ars_ara, text="Conservez les disques.", preserve_evidence=True
    )
    assert emails(case, "question") == [["claire.martin@chu.example.test"]] * 2
    case_answer(question=question, by=world.declarant_lyon_lab, answer="Oui, hors ligne.")
    assert emails(case, "answer") == [[world.acss.email]]
    with pytest.raises(workflow.TransitionRefused):
        case_answer(question=question, by=world.declarant_lyon_lab, answer="Encore")
    with pytest.raises(PermissionDenied):
        case_answer(question=evidence, by=world.acss, answer="Je réponds à sa place")

    case.refresh_from_db()
    case = case_choose_support(case=case, by=world.ars_ara, version=case.version, mode="cell")
    case_track(case=case, by=world.acss, kind="containment", text="Isoler le VLAN des automates.")
    case_track(
        case=case, by=world.declarant_lyon_lab, kind="structure_action", text="VLAN isolé à 10 h."
    )
    case_report_to_ars(case=case, by=world.acss, text="Restauration en cours.")
    case.refresh_from_db()
    case = case_end_support(case=case, by=world.acss, version=case.version)
    assert case.status == S.TO_CLOSE

    with pytest.raises(workflow.TransitionRefused, match="Cellule ACSS, ARS, Structure"):
        case_close(case=case, by=world.acss, version=case.version, synthesis="Fin")
    case_agree(case=case, by=world.acss, party="cell")
    case_agree(case=case, by=world.ars_ara, party="ars")
    with pytest.raises(ValidationError):
        case_agree(case=case, by=world.declarant_lyon_lab, party="structure")  # no opinion
    case_agree(
        case=case,
        by=world.declarant_lyon_lab,
        party="structure",
        opinion="very_useful",
        opinion_comment="Réactivité appréciée.",
    )
    case.refresh_from_db()
    case = case_close(
        case=case,
        by=world.acss,
        version=case.version,
        synthesis="Serveur restauré, comptes réinitialisés.",
        residual_risks="Sauvegardes à tester",
    )
    assert case.status == S.CLOSED and case.structure_opinion == "very_useful"
    assert statuses(case) == [
        (S.AWAITING_QUALIFICATION, S.TO_PROCESS),
        (S.TO_PROCESS, S.TO_CLOSE),
        (S.TO_CLOSE, S.CLOSED),
    ]
    kinds = list(case.timeline.values_list("kind", flat=True))
    for kind in (
        "opened",
        "qualified",
        "question",
        "evidence",
        "answer",
        "support_mode",
        "tracking",
        "ars_update",
        "agreement",
        "closed",
    ):
        assert kind in kinds
    # Closed cases are read-only.
    with pytest.raises(workflow.TransitionRefused):
        case_track(case=case, by=world.acss, kind="note", text="après clôture")


def test_resuming_support_withdraws_the_agreements(
    world: Any, make_case: Callable[..., Case]
) -> None:
    case = make_case(world.lyon_lab, world.declarant_lyon_lab)
    case = case_qualify(
        case=case, by=world.acss, version=None, criticity="serious", outcomes=["b2"]
    )
    case = case_end_support(case=case, by=world.ars_ara, version=case.version)
    case_agree(case=case, by=world.acss, party="cell")
    case.refresh_from_db()
    with pytest.raises(ValidationError):
        case_resume_support(case=case, by=world.acss, version=case.version, reason=" ")
    case = case_resume_support(
        case=case, by=world.acss, version=case.version, reason="Réinfection constatée."
    )
    assert case.status == S.TO_PROCESS and not case.agreements.exists()
    assert case.ars_update_due_at is not None


def test_significant_case_needs_the_hfds_and_crisis_is_the_hfds_call(
    world: Any, make_case: Callable[..., Case]
) -> None:
    case = make_case(world.lyon_lab, world.declarant_lyon_lab)
    case = case_qualify(
        case=case, by=world.acss, version=None, criticity="serious", outcomes=["b2"]
    )
    with pytest.raises(workflow.TransitionRefused, match="significati"):
        case_set_crisis(case=case, by=world.hfds, version=None, on=True, reason="x")
    with pytest.raises(PermissionDenied):
        case_switch_significant(case=case, by=world.ars_ara, version=None, reason="x")
    case = case_switch_significant(
        case=case,
        by=world.acss,
        version=case.version,
        reason="Trois laboratoires touchés par la même campagne.",
    )
    assert case.piloted_by_hfds and case.is_significant
    assert emails(case, "significant") == [
        ["ssi-auvergne-rhone-alpes@ars.sante.fr", "ssi@sg.social.gouv.fr"]
    ]
    case = case_set_crisis(
        case=case, by=world.hfds, version=case.version, on=True, reason="Cellule de crise"
    )
    assert case.crisis_mode
    case = case_end_support(case=case, by=world.hfds, version=case.version)
    assert workflow.required_parties(case) == ["cell", "ars", "hfds", "structure"]
    for by, party in ((world.acss, "cell"), (world.ars_ara, "ars")):
        case_agree(case=case, by=by, party=party)
    case_agree(case=case, by=world.declarant_lyon_lab, party="structure", opinion="useful")
    case.refresh_from_db()
    with pytest.raises(workflow.TransitionRefused, match="HFDS/FSSI"):
        case_close(case=case, by=world.acss, version=case.version, synthesis="Fin")
    case_agree(case=case, by=world.hfds, party="hfds")
    case.refresh_from_db()
    assert case_close(case=case, by=world.acss, version=case.version, synthesis="Fin").is_closed


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("acss", True),
        ("ars_ara", False),
        ("hfds", False),
        ("dgs", False),
        ("defence", False),
        ("declarant_lyon_lab", False),
        ("admin", False),
    ],
)
def test_only_the_cell_qualifies_an_ordinary_case(
    world: Any, make_case: Callable[..., Case], who: str, allowed: bool
) -> None:
    case = make_case(world.lyon_lab, world.declarant_lyon_lab)
    qualify = lambda: case_qualify(  # noqa: E731
        case=case, by=getattr(world, who), version=None, criticity="serious", outcomes=["b2"]
    )
    if allowed:
        assert qualify().status == S.TO_PROCESS
    else:
        with pytest.raises(PermissionDenied):
            qualify()
        case.refresh_from_db()
        assert case.status == S.AWAITING_QUALIFICATION


def test_military_case_is_handled_by_the_defence_chain(
    world: Any, make_case: Callable[..., Case], make_user: Callable[..., Any]
) -> None:
    from vigie.directory.models import Role

    declarant = make_user(Role.DECLARANT, structure=world.military)
    case = make_case(world.military, declarant, care_impact="none")
    assert case.is_military and not case.care_affected
    with pytest.raises(PermissionDenied):
        case_qualify(case=case, by=world.acss, version=None, criticity="serious", outcomes=["b2"])
    case = case_qualify(
        case=case, by=world.defence, version=None, criticity="serious", outcomes=["b2"]
    )
    # The ARS only had the notice: it is not told of the qualification.
    assert emails(case, "qualified:ars") == []
    with pytest.raises(PermissionDenied):
        case_choose_support(case=case, by=world.ars_idf, version=None, mode="ars")
    case = case_share_with_cell(
        case=case, by=world.defence, version=case.version, reason="Appui technique"
    )
    assert Case.objects.visible_to(world.acss).filter(pk=case.pk).exists()
    case = case_end_support(case=case, by=world.defence, version=case.version)
    assert workflow.required_parties(case) == ["defence", "structure"]
    case_agree(case=case, by=world.defence, party="defence")
    case_agree(case=case, by=declarant, party="structure", opinion="useful")
    case.refresh_from_db()
    with pytest.raises(PermissionDenied):
        case_close(case=case, by=world.acss, version=case.version, synthesis="Fin")
    assert case_close(case=case, by=world.defence, version=case.version, synthesis="Fin").is_closed


def test_qualification_outcomes_must_be_consistent(
    world: Any, make_case: Callable[..., Case]
) -> None:
    case = make_case(world.lyon_lab, world.declarant_lyon_lab)
    for criticity, outcomes in (
        ("not_incident", ["b2"]),
        ("serious", ["b1"]),
        ("serious", ["b3"]),
        ("significant", ["b1", "b2"]),
    ):
        with pytest.raises(ValidationError) as refused:
            case_qualify(
                case=case, by=world.acss, version=None, criticity=criticity, outcomes=outcomes
            )
        assert "outcomes" in refused.value.message_dict
    case.refresh_from_db()
    assert case.status == S.AWAITING_QUALIFICATION and case.version == 1


def test_the_timeline_is_append_only(world: Any, make_case: Callable[..., Case]) -> None:
    case = make_case(world.lyon_lab, world.declarant_lyon_lab)
    event = case.timeline.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        TimelineEvent.objects.filter(pk=event.pk).update(reason="réécrit")
    with pytest.raises(DatabaseError), transaction.atomic():
        TimelineEvent.objects.filter(pk=event.pk).delete()
    assert case.timeline.get().reason == ""


def test_two_people_editing_one_case_never_silently_overwrite(
    world: Any, make_case: Callable[..., Case]
) -> None:
    case = make_case(world.lyon_lab, world.declarant_lyon_lab)
    seen_by_both = case.version
    case_qualify(
        case=case,
        by=world.acss,
        version=seen_by_both,
        criticity="serious",
        outcomes=["b2"],
        note="Première analyse",
    )
    with pytest.raises(workflow.ConcurrentEdit) as conflict:
        case_qualify(
            case=case,
            by=world.acss,
            version=seen_by_both,
            criticity="not_incident",
            outcomes=["b1"],
            note="Seconde analyse",
        )
    assert "modifié par" in str(conflict.value)
    case.refresh_from_db()
    assert case.status == S.TO_PROCESS and case.qualification_note == "Première analyse"


def test_every_change_is_recorded_even_bulk_updates(
    world: Any, make_case: Callable[..., Case]
) -> None:
    from django.apps import apps

    history = apps.get_model("cases", "CaseEvent")  # generated by django-pghistory
    case = make_case(world.lyon_lab, world.declarant_lyon_lab)
    before = history.objects.filter(pgh_obj_id=case.pk).count()
    Case.objects.filter(pk=case.pk).update(crisis_mode=True)  # bypasses save() and services
    rows = history.objects.filter(pgh_obj_id=case.pk).order_by("pgh_id")
    assert rows.count() == before + 1
    assert rows.last().crisis_mode is True
