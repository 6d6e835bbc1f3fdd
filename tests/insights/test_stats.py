"""Statistics against hand-computed figures, and who may see them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from tests.factories import client_for
from vigie.cases.models import Case
from vigie.directory.models import StructureKind
from vigie.insights import stats

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def four(world: Any, dated_case: Any) -> list[Case]:
    """Three cases in Auvergne-Rhône-Alpes, one in Île-de-France.

    detection → declaration: 1 h, 2 h, 4 h, 10 h   (median 3 h, p90 8.2 h)
    declaration → acknowledgement: 0 for all four
    acknowledgement → qualification: 2 h, 6 h (two cases qualified)
    qualification → closure: 48 h (one case closed)
    """
    w = world
    a = dated_case(w.lyon, w.declarant_lyon, detected=T0, submitted=T0 + 1 * H,
                   qualified=T0 + 3 * H, closed=T0 + 51 * H)  # fmt: skip
    b = dated_case(w.lyon, w.declarant_lyon, detected=T0, submitted=T0 + 2 * H,
                   qualified=T0 + 8 * H, malicious="no", type_code="phishing")  # fmt: skip
    c = dated_case(w.lyon_lab, w.declarant_lyon_lab, detected=T0 + 24 * H * 40,
                   submitted=T0 + 24 * H * 40 + 4 * H)  # fmt: skip
    d = dated_case(w.paris, w.director_paris, detected=T0, submitted=T0 + 10 * H,
                   malicious="unknown")  # fmt: skip
    # b is in support and its weekly update to the ARS is late.
    Case.objects.filter(pk=b.pk).update(ars_update_due_at=timezone.now() - H)
    return [a, b, c, d]


def test_national_figures(world: Any, four: list[Case]) -> None:
    figures = stats.dashboard(world.acss, stats.Filters())
    totals = figures["totals"]
    assert totals["total"] == 4
    assert totals["malicious"] == 2
    assert totals["malicious_share"] == 50.0
    assert totals["malicious_unknown"] == 1
    assert totals["overdue"] == 1
    assert totals["closed"] == 1
    by_type = {row["label"]: row["n"] for row in figures["by_type"]}
    assert by_type == {"Rançongiciel": 3, "Hameçonnage / courriel malveillant": 1}
    by_region = {row["label"]: row["n"] for row in figures["by_region"]}
    assert by_region == {"Auvergne-Rhône-Alpes": 3, "Île-de-France": 1}
    by_kind = {row["label"]: row["n"] for row in figures["by_kind"]}
    assert by_kind == {
        str(StructureKind.HEALTH_FACILITY.label): 3,
        str(StructureKind.BIOLOGY_LAB.label): 1,
    }
    # Months in words, as people write them (never "2025-03").
    assert [(r["label"], r["n"]) for r in figures["by_month"]] == [
        ("Mars 2025", 3),
        ("Avril 2025", 1),
    ]


def test_delays_median_p90_and_buckets(world: Any, four: list[Case]) -> None:
    delays = stats.dashboard(world.acss, stats.Filters())["delays"]
    phases = {p["key"]: p for p in delays}
    first = phases["detection_declaration"]
    assert first["n"] == 4
    assert first["median"] == pytest.approx(3 * 3600)
    assert first["p90"] == pytest.approx(8.2 * 3600)
    assert {b["key"]: b["n"] for b in first["buckets"]} == {
        "lt1h": 0, "1h6h": 3, "6h24h": 1, "1d3d": 0, "3d7d": 0, "gt7d": 0,
    }  # fmt: skip
    assert phases["acknowledgement_qualification"]["n"] == 2
    assert phases["acknowledgement_qualification"]["median"] == pytest.approx(4 * 3600)
    assert phases["qualification_closure"]["median"] == pytest.approx(48 * 3600)
    assert phases["detection_closure"]["median"] == pytest.approx(51 * 3600)


def test_ars_sees_its_region_only_and_period_filter(world: Any, four: list[Case]) -> None:
    def totals(user: Any, filters: stats.Filters) -> dict[str, Any]:
        return stats.dashboard(user, filters)["totals"]

    ara = totals(world.ars_ara, stats.Filters())
    assert ara["total"] == 3
    assert ara["malicious_share"] == pytest.approx(66.7)
    march = stats.Filters(start=date(2025, 3, 1), end=date(2025, 3, 31))
    assert totals(world.ars_ara, march)["total"] == 2
    assert totals(world.ars_idf, stats.Filters())["total"] == 1
    assert totals(world.declarant_lyon, stats.Filters())["total"] == 2


def test_dashboard_pages(world: Any, four: list[Case]) -> None:
    response = client_for(world.acss).get("/statistiques/?start=2025-01-01")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="total">4<' in body
    assert "<svg" in body
    # With no dates, the last twelve months (the four cases are older), shown in the form.
    latest = client_for(world.acss).get("/statistiques/")
    assert 'data-testid="total">0<' in latest.content.decode()
    start = timezone.localdate() - timedelta(days=364)
    assert latest.context["form"]["start"].value() == start.isoformat()
    response = client_for(world.ars_ara).get("/statistiques/?start=2025-03-01&end=2025-03-31")
    assert 'data-testid="total">2<' in response.content.decode()
    assert client_for(world.declarant_lyon).get("/statistiques/").status_code == 403
    assert client_for(world.dgs).get("/statistiques/").status_code == 403


def test_the_page_reads_in_french(world: Any, four: list[Case]) -> None:
    """Months in words on the chart, the filters under one legend with its hint,
    the overview as key figures and one visible "Délais" heading."""
    html = client_for(world.acss).get("/statistiques/?start=2025-01-01").content.decode()
    month_chart = html.split("Dossiers par mois</title>", 1)[1].split("</svg>", 1)[0]
    assert "Mars 2025" in month_chart and "Avril 2025" in month_chart
    assert "2025-03" not in html
    form = html.split('data-testid="stats-filters"', 1)[1].split("</form>", 1)[0]
    legend = form.split("<legend", 1)[1].split("</legend>", 1)[0]
    assert "Filtrer les dossiers" in legend
    assert "Selon la date d’ouverture des dossiers, bornes incluses." in legend
    assert "Sans date : les douze derniers mois." in legend
    labels = [
        " ".join(part.split("</label>")[0].split(">", 1)[1].split())
        for part in form.split("<label")[1:]
    ]
    assert labels == ["Ouverts à partir du", "Ouverts jusqu’au", "Région"]
    totals = html.split('data-testid="totals"', 1)[1].split("</dl>", 1)[0]
    assert '<div><dt>Dossiers</dt><dd data-testid="total">4</dd></div>' in totals
    assert "50,0&nbsp;%" in totals and "2 dossiers" in totals
    # The table under "Délais" keeps a caption for screen readers only.
    assert html.count(">Délais</h2>") == 1
    assert '<caption class="fr-sr-only">Délais de chaque dossier</caption>' in html


def test_statistics_in_navigation(world: Any) -> None:
    from django.test import RequestFactory

    from vigie.core.context_processors import navigation_items

    def labels(user: Any) -> list[str]:
        request = RequestFactory().get("/")
        request.user = user
        with translation.override("en"):
            return [str(item.label) for item in navigation_items(request)]

    assert "Statistics" in labels(world.acss)
    assert "Statistics" in labels(world.hfds)
    assert "Statistics" in labels(world.ars_ara)
    assert "Statistics" not in labels(world.director_paris)
    assert "Statistics" not in labels(world.declarant_lyon)
