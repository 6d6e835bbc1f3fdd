"""Who reaches which page: the structure edits its own plan, the ARS reads its region,
ACSS and HFDS read the country, nobody else reads anything."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import client_for
from vigie.actionplan.models import MeasureAssessment
from vigie.actionplan.selectors import structures_for_plan

pytestmark = pytest.mark.django_db


def test_structure_page_lists_measures_by_priority(small_world: Any) -> None:
    w = small_world
    page = client_for(w.member_lyon).get(f"/plan-action/structures/{w.lyon.finess}/")
    html = page.content.decode()
    assert page.status_code == 200
    for priority in (1, 2, 3):
        assert f'data-testid="measures-priority-{priority}"' in html
    assert 'data-testid="start-form"' in html
    assert 'data-overdue="1"' in html  # lyon's priority 1 deadline (15/07/2024) has passed
    assert "<script" not in html.split("</header>")[1].split("<footer")[0]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("member_lyon", 200),
        ("declarant_lyon", 200),
        ("ars_ara", 200),
        ("acss", 200),
        ("hfds", 200),
        ("ars_idf", 404),
        ("declarant_lyon_lab", 404),
        ("dgs", 404),
        ("defence", 404),
        ("admin", 404),
        ("nobody", 404),
    ],
)
def test_who_sees_a_structure_plan(small_world: Any, role: str, status: int) -> None:
    w = small_world
    client = client_for(getattr(w, role))
    assert client.get(f"/plan-action/structures/{w.lyon.finess}/").status_code == status
    assert client.get(f"/plan-action/structures/{w.lyon.finess}/mesures/7/").status_code == status


def test_read_only_for_the_ars(small_world: Any) -> None:
    w = small_world
    client = client_for(w.ars_ara)
    page = client.get(f"/plan-action/structures/{w.lyon.finess}/mesures/7/")
    assert 'data-testid="assessment-form"' not in page.content.decode()
    post = client.post(f"/plan-action/structures/{w.lyon.finess}/mesures/7/", {"status": "done"})
    assert post.status_code == 403


def test_the_structure_records_a_measure_with_evidence(small_world: Any) -> None:
    w = small_world
    client = client_for(w.member_lyon)
    url = f"/plan-action/structures/{w.lyon.finess}/mesures/7/"
    missing_reason = client.post(url, {"status": "not_applicable", "not_applicable_reason": ""})
    assert missing_reason.status_code == 200
    assert missing_reason.context["form"].errors["not_applicable_reason"]
    response = client.post(
        url,
        {
            "status": "done",
            "achieved_on": "2024-06-01",
            "comment": "Restauration testée",
            "files": [SimpleUploadedFile("test.pdf", b"%PDF-1.4 restauration")],
        },
    )
    assert response.status_code == 302
    saved = MeasureAssessment.objects.get(structure=w.lyon, measure__number=7)
    assert saved.status == "done" and saved.achieved_on == date(2024, 6, 1)
    evidence = saved.evidence.get()
    download = client.get(f"/plan-action/preuves/{evidence.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert client_for(w.ars_ara).get(f"/plan-action/preuves/{evidence.pk}/").status_code == 200
    assert client_for(w.ars_idf).get(f"/plan-action/preuves/{evidence.pk}/").status_code == 404
    page = client.get(url)
    assert 'data-testid="assessment-history"' in page.content.decode()
    # The ARS reads who recorded it by name, not their e-mail address.
    history = client_for(w.ars_ara).get(url).content.decode()
    history = history.split('data-testid="assessment-history"', 1)[1].split("</table>", 1)[0]
    assert w.member_lyon.get_full_name() in history
    assert w.member_lyon.email not in history


@pytest.mark.parametrize(
    ("role", "code", "status"),
    [
        ("ars_ara", "84", 200),
        ("ars_ara", "11", 403),
        ("ars_idf", "84", 403),
        ("ars_reunion", "04", 200),
        ("acss", "84", 200),
        ("hfds", "11", 200),
        ("member_lyon", "84", 403),
        ("dgs", "84", 403),
        ("ars_ara", "99", 404),
    ],
)
def test_regional_view_access(small_world: Any, role: str, code: str, status: int) -> None:
    client = client_for(getattr(small_world, role))
    assert client.get(f"/plan-action/region/{code}/").status_code == status


def test_regional_view_shows_progress_and_overdue_structures(small_world: Any) -> None:
    w = small_world
    page = client_for(w.ars_ara).get("/plan-action/region/84/")
    html = page.content.decode()
    assert html.count('class="ap-chart"') == 3
    assert f'data-finess="{w.lyon.finess}"' in html
    assert f"/plan-action/structures/{w.lyon.finess}/" in html
    assert w.paris.finess not in html
    assert page.context["figures"]["overall"]["done"] == 4


@pytest.mark.parametrize(
    ("role", "status"),
    [("hfds", 200), ("acss", 200), ("ars_ara", 403), ("dgs", 403), ("declarant_lyon", 403)],
)
def test_national_view_access(small_world: Any, role: str, status: int) -> None:
    assert client_for(getattr(small_world, role)).get("/plan-action/national/").status_code == (
        status
    )


def test_index_sends_each_role_to_its_page(small_world: Any) -> None:
    w = small_world
    assert client_for(w.ars_ara).get("/plan-action/")["Location"] == "/plan-action/region/84/"
    assert client_for(w.hfds).get("/plan-action/")["Location"] == "/plan-action/national/"
    assert client_for(w.member_lyon).get("/plan-action/")["Location"] == (
        f"/plan-action/structures/{w.lyon.finess}/"
    )
    assert client_for(w.nobody).get("/plan-action/").status_code == 403


def test_selector_scope(small_world: Any) -> None:
    w = small_world
    assert set(structures_for_plan(w.ars_ara)) == {w.lyon, w.lyon_lab}
    assert set(structures_for_plan(w.member_lyon)) == {w.lyon}
    assert not structures_for_plan(w.dgs).exists()
    assert MeasureAssessment.objects.visible_to(w.ars_ara).count() == 7
    assert MeasureAssessment.objects.visible_to(w.ars_idf).count() == 0
    assert MeasureAssessment.objects.visible_to(w.acss).count() == 7
    assert MeasureAssessment.objects.visible_to(w.declarant_lyon_lab).count() == 2
