"""The case pages as each role sees them: the queue, the case page's forms, a whole case
driven through the views, refusals explained in French with nothing typed lost."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import client_for
from vigie.cases import selectors as case_selectors
from vigie.cases.models import Case, CaseStatus, Criticity, EventKind, Question
from vigie.cases.services import (
    case_agree,
    case_ask,
    case_end_support,
    case_qualify,
)
from vigie.declarations.models import IncidentType
from vigie.directory.models import Role

pytestmark = pytest.mark.django_db

FORM = re.compile(r'data-testid="form-([a-z_0-9]+)"')


def url(case: Case, action: str = "") -> str:
    return f"/dossiers/{case.pk}/{action}"


def forms_on(response: Any) -> set[str]:
    return set(FORM.findall(response.content.decode()))


def references(client: Client, **params: str) -> set[str]:
    response = client.get("/dossiers/", params)
    assert response.status_code == 200
    return {case.reference for case in response.context["page_obj"]}


def version(case: Case) -> int:
    case.refresh_from_db()
    return case.version


def qualify(case: Case, by: Any, outcomes: list[str] | None = None, **kw: Any) -> Case:
    return case_qualify(
        case=case,
        by=by,
        version=version(case),
        criticity=kw.get("criticity", Criticity.SERIOUS),
        outcomes=outcomes or ["b2"],
        note="Chiffrement confirmé",
    )


@pytest.fixture
def military_declarant(world: Any, make_user: Callable[..., Any]) -> Any:
    return make_user(Role.DECLARANT, structure=world.military)


@pytest.fixture
def cases(world: Any, make_case: Callable[..., Case], military_declarant: Any) -> Any:
    class Cases:
        lyon = make_case(world.lyon, world.declarant_lyon)
        paris = make_case(
            world.paris,
            world.director_paris,
            incident_type=IncidentType.objects.get(code="phishing"),
        )
        lab = make_case(world.lyon_lab, world.declarant_lyon_lab)
        military = make_case(world.military, military_declarant)

    return Cases


# --- the queue -------------------------------------------------------------------------


EXPECTED_QUEUES = {
    "acss": {"lyon", "paris", "lab"},
    "ars_ara": {"lyon", "lab"},
    "ars_reunion": set(),
    "hfds": {"lyon", "paris", "lab", "military"},
    "dgs": set(),
    "defence": {"military"},
    "declarant_lyon": {"lyon"},
    "member_lyon": {"lyon"},
    "declarant_lyon_lab": {"lab"},
    "director_paris": {"paris"},
    "nobody": set(),
    "vendor_contact": set(),
}


@pytest.mark.parametrize(("role", "expected"), sorted(EXPECTED_QUEUES.items()))
def test_queue_shows_each_role_its_cases(
    world: Any, cases: Any, role: str, expected: set[str]
) -> None:
    client = client_for(getattr(world, role))
    if role in ("nobody", "vendor_contact"):
        # No case is ever theirs: no queue at all (tests/cases/test_handling.py).
        assert client.get("/dossiers/", {"status": "all"}).status_code == 404
    else:
        references_seen = references(client, status="all")
        assert references_seen == {getattr(cases, key).reference for key in expected}
    for key in ("lyon", "paris", "lab", "military"):
        status = client.get(url(getattr(cases, key))).status_code
        assert status == (200 if key in expected else 404), key


def test_closed_cases_are_counted_up_to_a_cap(
    world: Any, cases: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A million closed cases are not counted on every visit: beyond the cap the tab says
    "plus de <cap>", the list stops at the cap and the page says to narrow with the filters."""
    from vigie.cases import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    Case.objects.filter(pk__in=[cases.lyon.pk, cases.paris.pk, cases.lab.pk]).update(
        status="closed"
    )
    client = client_for(world.acss)
    response = client.get("/dossiers/", {"status": "closed"})
    tabs = {tab["value"]: tab for tab in response.context["tabs"]}
    assert (tabs["closed"]["count"], tabs["closed"]["capped"]) == (2, True)
    assert (tabs["all"]["count"], tabs["all"]["capped"]) == (2, True)
    assert (tabs["open"]["count"], tabs["open"]["capped"]) == (0, False)
    page = response.content.decode()
    assert re.search(r'data-testid="tab-closed">[^<(]+\(plus de 2\)', page)
    assert "Plus de 2 dossiers" in page
    assert len(response.context["page_obj"]) == 2
    # Narrowed under the cap, the count is exact again.
    narrowed = client.get("/dossiers/", {"status": "closed", "incident_type": "phishing"})
    tabs = {tab["value"]: tab for tab in narrowed.context["tabs"]}
    assert (tabs["closed"]["count"], tabs["closed"]["capped"]) == (1, False)
    assert references(client, status="closed", incident_type="phishing") == {cases.paris.reference}


def test_dgs_sees_a_case_once_qualified_with_a_sanitary_impact(world: Any, cases: Any) -> None:
    client = client_for(world.dgs)
    assert references(client, status="all") == set()
    qualify(cases.paris, world.acss, outcomes=["b2"])
    qualify(cases.lyon, world.acss, outcomes=["b2", "b3"])
    assert references(client, status="all") == {cases.lyon.reference}
    assert client.get(url(cases.lyon)).status_code == 200
    assert client.get(url(cases.paris)).status_code == 404


def test_queue_tabs_count_and_filters_narrow(world: Any, cases: Any) -> None:
    qualify(cases.lyon, world.acss)
    client = client_for(world.acss)
    response = client.get("/dossiers/")
    counts = {tab["value"]: tab["count"] for tab in response.context["tabs"]}
    assert counts == {
        "open": 3,
        "awaiting_qualification": 2,
        "to_process": 1,
        "to_close": 0,
        "closed": 0,
        "all": 3,
    }
    # Staff land on the open cases; tabs keep the other filters.
    assert response.context["status"] == "open"
    page = response.content.decode()
    assert 'data-testid="tab-to_process"' in page
    filtered = client.get("/dossiers/", {"region": "84", "status": "open"})
    tabs = {tab["value"]: tab for tab in filtered.context["tabs"]}
    assert tabs["all"]["count"] == 2 and "region=84" in tabs["to_process"]["url"]

    assert references(client, status="to_process") == {cases.lyon.reference}
    assert references(client, region="84") == {cases.lyon.reference, cases.lab.reference}
    assert references(client, structure_kind="biology_lab") == {cases.lab.reference}
    assert references(client, incident_type="phishing") == {cases.paris.reference}
    assert references(client, q="herriot") == {cases.lyon.reference}
    assert references(client, q="69 078 413 7") == {cases.lyon.reference}
    assert references(client, q=cases.paris.reference.lower()) == {cases.paris.reference}
    assert references(client, significant="on") == set()
    empty = client.get("/dossiers/", {"q": "aucun dossier"}).content.decode()
    assert 'data-testid="queue-empty"' in empty
    # Sorting by structure follows the names.
    by_structure = client.get("/dossiers/", {"sort": "structure"}).context["page_obj"]
    assert [c.structure.name for c in by_structure] == sorted(
        c.structure.name for c in by_structure
    )


@pytest.mark.parametrize("listed", [True, False])
@pytest.mark.parametrize("role", ["acss", "ars_ara", "hfds", "defence", "director_paris"])
def test_queue_search_finds_a_substring_anywhere_within_each_scope(
    world: Any, cases: Any, role: str, listed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Few matching structures are listed in the statement, many read by a subquery: the
    # same cases either way.
    if not listed:
        monkeypatch.setattr(case_selectors, "SEARCH_STRUCTURES_LISTED", 0)
    client = client_for(getattr(world, role))
    visible = {name: getattr(cases, name).reference for name in EXPECTED_QUEUES[role]}

    def found(q: str) -> set[str]:
        return references(client, q=q, status="all")

    # The middle of a structure's name, whatever the case of its letters.
    assert found("ital Édouard HERR") == {visible[n] for n in visible if n == "lyon"}
    assert found("ÔPITAL") == {visible[n] for n in visible if n in {"lyon", "paris"}}
    # The middle of a reference, in lower case.
    middle = cases.paris.reference[2:-1]
    assert found(middle.lower()) == {ref for ref in visible.values() if middle in ref}
    # A FINESS number from its start only, spaces ignored.
    assert found("690 78") == {visible[n] for n in visible if n == "lyon"}
    assert found("0784137") == set()
    assert found("Lyon") == {visible[n] for n in visible if n == "lab"}


def test_overdue_filter_and_badge_in_the_ars_local_time(
    world: Any, make_case: Callable[..., Case]
) -> None:
    reunion = make_case(world.reunion, world.declarant_reunion)
    on_time = make_case(world.reunion, world.declarant_reunion)
    qualify(reunion, world.acss)
    qualify(on_time, world.acss)
    due = timezone.now() - timedelta(days=1)
    Case.objects.filter(pk=reunion.pk).update(ars_update_due_at=due)

    client = client_for(world.ars_reunion)
    # The ARS officer lands on its open cases, the most urgent update first.
    landing = client.get("/dossiers/")
    assert landing.context["status"] == "open"
    assert [c.reference for c in landing.context["page_obj"]] == [
        reunion.reference,
        on_time.reference,
    ]
    assert references(client, overdue="on") == {reunion.reference}
    page = landing.content.decode()
    assert page.count('data-testid="overdue-badge"') == 1
    local_due = timezone.localtime(due, timezone=_tz("Indian/Reunion"))
    assert local_due.strftime("%H:%M") in page

    detail = client.get(url(reunion)).content.decode()
    assert 'data-testid="overdue"' in detail
    assert "heure de La Réunion" in detail and "Indian/Reunion" not in detail


def _tz(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def test_queue_empty_state_for_a_declarant(world: Any) -> None:
    response = client_for(world.declarant_lyon).get("/dossiers/")
    assert response.status_code == 200
    assert response.context["status"] == "all"
    assert 'data-testid="queue-empty"' in response.content.decode()


# --- the case page: which forms for whom -----------------------------------------------


def test_forms_shown_follow_rights_and_state(world: Any, cases: Any) -> None:
    lyon = cases.lyon
    assert {"qualify", "ask", "track"} <= forms_on(client_for(world.acss).get(url(lyon)))
    assert forms_on(client_for(world.declarant_lyon).get(url(lyon))) == {"track"}
    assert "qualify" not in forms_on(client_for(world.ars_ara).get(url(lyon)))
    assert forms_on(client_for(world.hfds).get(url(lyon))) == {"ask", "track", "take"}

    qualify(lyon, world.acss)
    question = case_ask(case=lyon, by=world.acss, text="Quels serveurs ?")
    acss = forms_on(client_for(world.acss).get(url(lyon)))
    assert "qualify" not in acss and "support" not in acss
    assert {"ask", "track", "report", "end_support", "significant"} <= acss
    declarant = forms_on(client_for(world.declarant_lyon).get(url(lyon)))
    assert declarant == {f"answer{question.pk}", "track"}
    # The SSI correspondent reads the case: it neither answers nor writes on it.
    assert forms_on(client_for(world.member_lyon).get(url(lyon))) == set()
    ars = forms_on(client_for(world.ars_ara).get(url(lyon)))
    assert "support" in ars and "report" not in ars  # its own entries are the update
    assert "significant" not in ars and "qualify" not in ars
    # The structure may only report its own actions on the tracking sheet.
    kinds = client_for(world.declarant_lyon).get(url(lyon)).context["forms"]["track"]
    assert [value for value, _ in kinds.fields["kind"].choices] == ["structure_action"]


def test_declaration_page_links_to_its_case(world: Any, cases: Any) -> None:
    page = client_for(world.declarant_lyon).get(f"/declarations/{cases.lyon.declaration_id}/")
    assert f'href="/dossiers/{cases.lyon.pk}/"' in page.content.decode()


def test_evidence_requests_stand_out(world: Any, cases: Any) -> None:
    case_ask(case=cases.lyon, by=world.acss, text="Conservez les journaux.", preserve_evidence=True)
    case_ask(case=cases.lyon, by=world.acss, text="Quelle version ?")
    page = client_for(world.declarant_lyon).get(url(cases.lyon)).content.decode()
    assert page.count('data-testid="question"') == 2
    assert page.count('data-evidence="true"') == 1
    assert "Demande de préservation des preuves" in page


# --- a whole case through the pages ----------------------------------------------------


def post(client: Client, case: Case, action: str, data: dict[str, Any]) -> Any:
    data = {"version": version(case), **data}
    return client.post(url(case, action), data)


def test_a_case_from_qualification_to_closure(world: Any, cases: Any) -> None:
    case = cases.lyon
    acss, ars, declarant = (
        client_for(world.acss),
        client_for(world.ars_ara),
        client_for(world.declarant_lyon),
    )

    done = post(
        acss,
        case,
        "qualifier/",
        {"criticity": "serious", "outcomes": ["b2"], "note": "Rançongiciel sur les serveurs"},
    )
    assert done.status_code == 302 and done["Location"].startswith(url(case))
    case.refresh_from_db()
    assert case.status == CaseStatus.TO_PROCESS and case.outcomes == ["b2"]
    page = acss.get(url(case)).content.decode()
    assert "À qualifier → À traiter" in page  # from → to on the timeline

    asked = post(acss, case, "questions/", {"text": "Les sauvegardes sont-elles saines ?"})
    assert asked.status_code == 302
    question = Question.objects.get(case=case)
    answered = post(
        declarant, case, f"questions/{question.pk}/repondre/", {"answer": "Oui, hors ligne."}
    )
    assert answered.status_code == 302
    question.refresh_from_db()
    assert question.answer == "Oui, hors ligne."
    assert "Oui, hors ligne." in acss.get(url(case)).content.decode()

    assert post(ars, case, "mode-accompagnement/", {"mode": "cell"}).status_code == 302
    assert (
        post(acss, case, "suivi/", {"kind": "containment", "text": "Isoler le VLAN"}).status_code
        == 302
    )
    assert post(acss, case, "point-ars/", {"text": "Restauration en cours"}).status_code == 302
    assert (
        post(acss, case, "fin-accompagnement/", {"reason": "Systèmes restaurés"}).status_code == 302
    )
    case.refresh_from_db()
    assert case.support_mode == "cell" and case.status == CaseStatus.TO_CLOSE
    assert case.tracking.count() == 1 and case.last_ars_update_at is not None

    # The closure form waits for every party's agreement.
    assert "agree_cell" in forms_on(acss.get(url(case)))
    assert "close" not in forms_on(acss.get(url(case)))
    assert "agree_ars" in forms_on(ars.get(url(case)))
    assert "agree_structure" in forms_on(declarant.get(url(case)))
    assert post(acss, case, "accord/cell/", {"comment": "OK"}).status_code == 302
    assert post(ars, case, "accord/ars/", {}).status_code == 302
    # The structure's agreement needs its opinion of the help received.
    no_opinion = post(declarant, case, "accord/structure/", {"comment": "Merci"})
    assert no_opinion.status_code == 200
    assert "Donnez l’avis de la structure sur l’aide reçue." in no_opinion.content.decode()
    assert "Merci" in no_opinion.content.decode()
    assert (
        post(
            declarant,
            case,
            "accord/structure/",
            {"opinion": "very_useful", "opinion_comment": "Réactifs"},
        ).status_code
        == 302
    )
    assert "close" in forms_on(acss.get(url(case)))

    closed = post(
        acss,
        case,
        "cloturer/",
        {
            "synthesis": "Serveurs restaurés, VLAN isolé",
            "residual_vulnerabilities": "Postes non mis à jour",
            "residual_risks": "Réinfection",
        },
    )
    assert closed.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.structure_opinion == "very_useful"

    for client in (acss, ars, declarant):
        final = client.get(url(case))
        assert forms_on(final) == set()
        page = final.content.decode()
        assert 'data-testid="closed-notice"' in page
        assert "Serveurs restaurés, VLAN isolé" in page and "Réinfection" in page
        assert f'action="{url(case)}' not in page
    kinds = [e.kind for e in case.timeline.order_by("at", "pk")]
    assert kinds[0] == EventKind.OPENED and kinds[-1] == EventKind.TRANSITION


def test_not_a_security_incident_closes_at_once_read_only(world: Any, cases: Any) -> None:
    acss = client_for(world.acss)
    response = post(
        acss, cases.lyon, "qualifier/", {"criticity": "not_incident", "outcomes": ["b1"]}
    )
    assert response.status_code == 302
    page = acss.get(url(cases.lyon))
    assert page.context["case"].status == CaseStatus.CLOSED
    assert forms_on(page) == set()


# --- refusals: explained in French, nothing typed lost ---------------------------------


def test_closing_before_the_agreements_is_refused(world: Any, cases: Any) -> None:
    case = qualify(cases.lyon, world.acss)
    case_end_support(case=case, by=world.acss, version=version(case))
    case_agree(case=case, by=world.acss, party="cell")
    response = post(client_for(world.acss), case, "cloturer/", {"synthesis": "Ma synthèse"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="action-error"' in page
    assert "La clôture nécessite l’accord de : ARS, Structure." in page
    assert "Ma synthèse" in page
    assert Case.objects.get(pk=case.pk).status == CaseStatus.TO_CLOSE


def test_a_wrong_outcome_is_explained_and_the_input_kept(world: Any, cases: Any) -> None:
    response = post(
        client_for(world.acss),
        cases.lyon,
        "qualifier/",
        {"criticity": "not_incident", "outcomes": ["b2"], "note": "Fausse alerte ?"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="error-summary"' in page
    assert "pour seule suite B1" in page
    assert "Fausse alerte ?" in page
    assert re.search(r'value="not_incident"[^>]*checked', page)


def test_a_question_on_a_closed_case_is_refused(world: Any, cases: Any) -> None:
    case = qualify(cases.lyon, world.acss, outcomes=["b1"], criticity="not_incident")
    response = post(client_for(world.acss), case, "questions/", {"text": "Encore une ?"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ce dossier est clôturé : il ne peut plus être modifié." in page
    assert "Encore une ?" in page


def test_concurrent_edits_the_second_is_told_and_keeps_its_input(
    world: Any, cases: Any, make_user: Callable[..., Any]
) -> None:
    case = cases.lyon
    seen = version(case)
    first, second = client_for(world.acss), client_for(make_user(Role.ACSS_ANALYST))
    ok = first.post(
        url(case, "qualifier/"),
        {"version": seen, "criticity": "serious", "outcomes": ["b2"], "note": "Première"},
    )
    assert ok.status_code == 302
    late = second.post(
        url(case, "qualifier/"),
        {
            "version": seen,
            "criticity": "significant",
            "outcomes": ["b2", "b3"],
            "note": "Mon analyse détaillée",
        },
    )
    page = late.content.decode()
    assert late.status_code == 409
    assert "Ce dossier a été modifié par" in page and "Votre saisie est conservée" in page
    assert "Mon analyse détaillée" in page
    assert re.search(r'value="significant"[^>]*checked', page)
    # Submitting again carries the current version.
    assert f'name="version" value="{version(case)}"' in page
    case.refresh_from_db()
    assert case.criticity == Criticity.SERIOUS and case.qualification_note == "Première"


@pytest.mark.parametrize(
    ("role", "action", "data"),
    [
        ("declarant_lyon", "qualifier/", {"criticity": "serious", "outcomes": ["b2"]}),
        ("ars_ara", "qualifier/", {"criticity": "serious", "outcomes": ["b2"]}),
        ("hfds", "cloturer/", {"synthesis": "x"}),
        ("acss", "mode-accompagnement/", {"mode": "cell"}),
        ("member_lyon", "suivi/", {"kind": "analysis", "text": "x"}),
        ("declarant_lyon", "questions/", {"text": "x"}),
        ("dgs", "qualifier/", {"criticity": "serious", "outcomes": ["b2"]}),
    ],
)
def test_seeing_is_not_acting(
    world: Any, cases: Any, role: str, action: str, data: dict[str, Any]
) -> None:
    case = cases.lyon
    if role == "dgs":
        case = qualify(case, world.acss, outcomes=["b2", "b3"])
    response = post(client_for(getattr(world, role)), case, action, data)
    assert response.status_code == 403


def test_a_member_cannot_answer_for_the_declarant(world: Any, cases: Any) -> None:
    question = case_ask(case=cases.lyon, by=world.acss, text="Qui est joignable ?")
    response = post(
        client_for(world.member_lyon),
        cases.lyon,
        f"questions/{question.pk}/repondre/",
        {"answer": "Moi"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["ars_idf", "declarant_lyon_lab", "dgs", "defence", "nobody"])
def test_a_case_out_of_sight_is_not_found(world: Any, cases: Any, role: str) -> None:
    client = client_for(getattr(world, role))
    assert client.get(url(cases.lyon)).status_code == 404
    response = post(client, cases.lyon, "qualifier/", {"criticity": "serious", "outcomes": ["b2"]})
    assert response.status_code == 404


def test_get_on_an_action_url_is_not_allowed(world: Any, cases: Any) -> None:
    assert client_for(world.acss).get(url(cases.lyon, "qualifier/")).status_code == 405


# --- task A: similar incidents in progress ---------------------------------------------


def test_similar_incidents_are_listed_and_justify_switching_to_significant(
    world: Any, cases: Any, make_case: Callable[..., Case]
) -> None:
    vendor_case = make_case(
        world.reunion,
        world.declarant_reunion,
        incident_type=IncidentType.objects.get(code="phishing"),
        software="Dossier Patient X",
    )
    vendor_case.declaration.vendors.add(world.vendor)
    cases.lyon.declaration.vendors.add(world.vendor)
    closed = make_case(world.paris, world.director_paris)
    qualify(closed, world.acss, outcomes=["b1"], criticity="not_incident")
    case = qualify(cases.lyon, world.acss)

    client = client_for(world.acss)
    response = client.get(url(case))
    similar = {item.case.reference: item.reasons for item in response.context["similar"]}
    # Same type (lab), same vendor (reunion); not the closed one, not the military one.
    assert set(similar) == {cases.lab.reference, vendor_case.reference}
    assert any("Éditeur DPI" in reason for reason in similar[vendor_case.reference])
    assert any("Rançongiciel" in reason for reason in similar[cases.lab.reference])
    assert "significant" in forms_on(response)
    # The similar cases are proposed as links (ids), not written into the text.
    proposal = response.context["forms"]["significant"].initial["related"]
    assert set(proposal) == {cases.lab.pk, vendor_case.pk}
    # The declarant does not see task A.
    assert (
        'data-testid="task-a"'
        not in client_for(world.declarant_lyon).get(url(case)).content.decode()
    )

    switched = post(
        client,
        case,
        "significatif/",
        {"reason": "Même vague sur deux régions", "related": proposal},
    )
    assert switched.status_code == 302
    case.refresh_from_db()
    assert case.is_significant and case.piloted_by_hfds
    page = client.get(url(case))
    assert "significant" not in forms_on(page)
    assert 'data-testid="hfds"' in page.content.decode()
    assert references(client, significant="on") == {case.reference}
    # HFDS may now set crisis mode; the queue shows it.
    hfds = client_for(world.hfds)
    assert "crisis" in forms_on(hfds.get(url(case)))
    assert post(hfds, case, "crise/", {"on": "1", "reason": "Propagation"}).status_code == 302
    assert 'data-testid="crisis-badge"' in hfds.get("/dossiers/").content.decode()


def test_software_in_common_matches_whatever_the_case(
    world: Any, make_case: Callable[..., Case]
) -> None:
    first = make_case(
        world.lyon,
        world.declarant_lyon,
        incident_type=IncidentType.objects.get(code="phishing"),
        software="  Dossier Patient X ",
    )
    second = make_case(world.paris, world.director_paris, software="dossier patient x")
    from vigie.cases.selectors import similar_open_cases

    found = similar_open_cases(first, world.acss)
    assert [item.case for item in found] == [second]
    assert any("dossier patient x" in reason.lower() for reason in found[0].reasons)


def test_defence_shares_a_military_case_with_the_cell(world: Any, cases: Any) -> None:
    defence = client_for(world.defence)
    assert "share" in forms_on(defence.get(url(cases.military)))
    assert client_for(world.acss).get(url(cases.military)).status_code == 404
    assert post(defence, cases.military, "partage-cellule/", {"reason": "Appui"}).status_code == 302
    assert client_for(world.acss).get(url(cases.military)).status_code == 200


def test_pages_do_not_query_per_row(world: Any, make_case: Callable[..., Case]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.acss)

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    first = make_case(world.lyon, world.declarant_lyon)
    qualify(first, world.acss)
    case_ask(case=first, by=world.acss, text="Une question ?")
    make_case(world.lyon_lab, world.declarant_lyon_lab)  # a similar case, for task A
    queue_one, page_one = queries("/dossiers/"), queries(url(first))
    for _ in range(3):
        other = make_case(world.lyon_lab, world.declarant_lyon_lab)
        qualify(other, world.acss)
        case_ask(case=first, by=world.acss, text="Encore une ?")
    assert queries("/dossiers/") == queue_one
    assert queries(url(first)) == page_one


def test_case_page_lists_the_action_plan_measures_not_done_at_the_incident(
    world: Any, make_case: Callable[..., Case]
) -> None:
    from vigie.actionplan.catalogue import shipped_plans_load

    shipped_plans_load()
    case = make_case(world.lyon_lab, world.declarant_lyon_lab)
    page = client_for(world.ars_ara).get(f"/dossiers/{case.pk}/")
    assert page.status_code == 200
    block = page.content.decode().split('data-testid="measures-at-incident"', 1)
    assert len(block) == 2
    # Nothing was recorded for the laboratory: all 19 measures were not done.
    assert block[1].count("data-measure=") == 19
    # The defence chain reads neither this case nor action plans.
    assert client_for(world.defence).get(f"/dossiers/{case.pk}/").status_code == 404
