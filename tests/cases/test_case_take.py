"""Who is on the case: each party's handler shown in the header, taken in one click,
handed over with the previous handler told, never by someone outside the case; and the
header's next deadline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import client_for
from tests.security.test_identity_mfa import password_only_session
from vigie.cases.models import Case, CaseHandler, CaseStatus, Criticity, EventKind
from vigie.cases.services import case_qualify, case_take
from vigie.directory.models import Role
from vigie.notifications.models import Notification, OutgoingEmail

pytestmark = pytest.mark.django_db


def page(user: Any, case: Case) -> str:
    response = client_for(user).get(f"/dossiers/{case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def take(user: Any, case: Case) -> Any:
    fresh = Case.objects.get(pk=case.pk)
    return client_for(user).post(
        f"/dossiers/{case.pk}/prendre-en-charge/", {"version": fresh.version}
    )


def handlers(case: Case) -> dict[str, int]:
    return dict(CaseHandler.objects.filter(case=case).values_list("party", "user_id"))


def test_the_analyst_takes_the_case_and_everyone_sees_who(world: Any, make_case: Any) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    before = page(world.acss, case)
    assert "Cellule ACSS : personne pour l’instant" in before
    assert 'data-testid="form-take"' in before

    response = take(world.acss, case)
    assert response.status_code == 302
    assert handlers(case) == {"cell": world.acss.pk}
    # Taking a case is not a change of its content: nobody's form in progress is refused.
    assert Case.objects.get(pk=case.pk).version == case.version

    analyst_page = page(world.acss, case)
    assert 'data-testid="form-take"' not in analyst_page
    assert 'data-testid="form-release"' in analyst_page
    name = world.acss.get_full_name()
    # The structure sees whom it deals with; so does the ARS, which is not on it yet.
    assert f"{name} (Cellule ACSS)" in page(world.declarant_lyon, case)
    ars_page = page(world.ars_ara, case)
    assert name in ars_page and "ARS : personne pour l’instant" in ars_page
    assert case.timeline.filter(kind=EventKind.TAKEN, actor=world.acss).exists()


def test_a_colleague_taking_over_tells_the_previous_handler(
    world: Any, make_case: Any, make_user: Callable[..., Any]
) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    colleague = make_user(Role.ACSS_ANALYST)
    case_take(case=case, by=world.acss)
    assert take(colleague, case).status_code == 302
    assert handlers(case) == {"cell": colleague.pk}
    notice = Notification.objects.get(user=world.acss, title__contains="repris")
    assert notice.title == f"{case.reference} — Un collègue a repris le dossier"
    assert (
        notice.body == f"{colleague.get_full_name()} suit désormais le dossier pour : Cellule ACSS."
    )
    assert OutgoingEmail.objects.filter(to__contains=[world.acss.email], purpose="taken").exists()
    # The timeline says who took over from whom.
    assert f"Reprend le dossier de {world.acss.get_full_name()}" in page(world.hfds, case)


def test_release_leaves_the_party_uncovered(world: Any, make_case: Any) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    case_take(case=case, by=world.ars_ara)
    assert handlers(case) == {"ars": world.ars_ara.pk}
    response = client_for(world.ars_ara).post(
        f"/dossiers/{case.pk}/ne-plus-suivre/", {"version": case.version}
    )
    assert response.status_code == 302
    assert handlers(case) == {}
    assert case.timeline.filter(kind=EventKind.RELEASED).exists()


def test_only_the_staff_of_the_case_may_take_it(
    world: Any, make_case: Any, make_user: Callable[..., Any]
) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    military = make_case(world.military, make_user(Role.DECLARANT, structure=world.military))
    # Readers of the case who are not a party to it: 403; strangers: 404.
    assert take(world.declarant_lyon, case).status_code == 403
    assert take(world.member_lyon, case).status_code == 403
    assert take(world.ars_reunion, case).status_code == 404
    assert take(world.dgs, case).status_code == 404
    assert take(world.acss, military).status_code == 404
    assert take(world.ars_ara, military).status_code in (403, 404)
    assert password_only_session(world.acss).post(
        f"/dossiers/{case.pk}/prendre-en-charge/", {"version": case.version}
    ).status_code in (302, 403)
    assert handlers(case) == {} and handlers(military) == {}
    # The defence chain is the party on a military hospital's case.
    assert take(world.defence, military).status_code == 302
    assert handlers(military) == {"defence": world.defence.pk}


def test_a_closed_case_cannot_be_taken(world: Any, make_case: Any) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    case_qualify(
        case=case,
        by=world.acss,
        version=case.version,
        criticity=Criticity.NOT_INCIDENT,
        outcomes=["b1"],
        note="Pas un incident",
    )
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED
    response = take(world.acss, case)
    assert response.status_code == 200
    assert "Ce dossier est clôturé" in response.content.decode()
    assert handlers(case) == {}
    assert "Aucune : le dossier est clôturé" in page(world.acss, case)


def test_header_shows_the_next_deadline_first(world: Any, make_case: Any) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    case_qualify(
        case=case,
        by=world.acss,
        version=case.version,
        criticity=Criticity.SERIOUS,
        outcomes=["b2"],
        note="Grave",
    )
    response = client_for(world.ars_ara).get(f"/dossiers/{case.pk}/")
    deadlines = response.context["deadlines"]
    labels = [d.label for d in deadlines]
    assert "Point hebdomadaire à l’ARS" in labels
    assert [d.due_at for d in deadlines] == sorted(d.due_at for d in deadlines)
    html = response.content.decode()
    header = html.split('data-testid="next-deadline"')[1].split("</dd>")[0]
    assert deadlines[0].label in header


def test_the_queue_says_who_is_on_each_case_and_filters_mine(
    world: Any, make_case: Any, make_user: Callable[..., Any]
) -> None:
    mine = make_case(world.lyon, world.declarant_lyon)
    theirs = make_case(world.lyon, world.declarant_lyon)
    nobody = make_case(world.lyon, world.declarant_lyon)
    colleague = make_user(Role.ACSS_ANALYST)
    case_take(case=mine, by=world.acss)
    case_take(case=theirs, by=colleague)
    case_take(case=theirs, by=world.hfds)  # two parties on one case: listed once

    def listed(user: Any, **params: str) -> list[str]:
        response = client_for(user).get("/dossiers/", params)
        assert response.status_code == 200
        return [case.reference for case in response.context["page_obj"]]

    assert listed(world.acss, mine="on") == [mine.reference]
    assert listed(world.hfds, mine="on") == [theirs.reference]
    assert listed(world.acss, unhandled="on") == [nobody.reference]
    page = client_for(world.ars_ara).get("/dossiers/").content.decode()
    assert world.acss.get_full_name() in page and colleague.get_full_name() in page
    # The structure's people have neither the column nor the filters.
    own = client_for(world.declarant_lyon).get("/dossiers/", {"mine": "on"})
    assert own.status_code == 200 and 'name="mine"' not in own.content.decode()
    assert len(own.context["page_obj"]) == 3
