"""Weak signals from the incident type alone: the same type in one département (or one
region) within the window, from VIGIE_CLUSTER_TYPE_MIN_CASES cases; the rule is named on
the page and in the cell's notification; recorded once; seen only by those who may read
the cases."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import client_for, structure_create
from vigie.directory.finess import with_check_key
from vigie.directory.models import Role
from vigie.insights.correlation import find_clusters
from vigie.insights.models import Cluster
from vigie.insights.services import cell_cases, clusters_record
from vigie.notifications.models import Notification

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def visible_text(user: Any) -> str:
    """The weak-signals page as read on screen (tags removed, spaces collapsed)."""
    html = client_for(user).get("/statistiques/signaux-faibles/").content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def ransomware(dated_case: Any, structure: Any, by: Any, age: timedelta, **kw: Any) -> Any:
    return dated_case(structure, by, detected=timezone.now() - age, **kw)


def test_three_ransomware_cases_in_one_departement(world: Any, dated_case: Any) -> None:
    w = world
    cases = [
        ransomware(dated_case, w.lyon, w.declarant_lyon, 1 * DAY),
        ransomware(dated_case, w.lyon_lab, w.declarant_lyon_lab, 6 * DAY),
        ransomware(dated_case, w.lyon, w.declarant_lyon, 13 * DAY),
    ]
    [cluster] = find_clusters(cell_cases())
    assert cluster.basis == "type_departement"
    assert cluster.case_ids == sorted(c.pk for c in cases)
    assert cluster.region_name == "Auvergne-Rhône-Alpes"

    # The cell sees it, with the rule that found it, in French.
    page = client_for(w.acss).get("/statistiques/signaux-faibles/").content.decode()
    assert page.count('data-testid="cluster"') == 1
    assert "Règle : Même type dans le département" in visible_text(w.acss)
    assert "Rançongiciel — département 69 Rhône — Auvergne-Rhône-Alpes" in page
    for case in cases:
        assert case.reference in page

    # Recorded once, the cell told once, the notification naming the rule.
    [recorded] = clusters_record()
    assert recorded.basis == "type_departement"
    assert recorded.get_basis_display() == "Même type dans le département"
    [notice] = Notification.objects.filter(user=w.acss, topic=f"cluster:{recorded.pk}")
    assert "3 dossiers" in notice.title and "Rançongiciel" in notice.title
    assert "Règle : Même type dans le département." in notice.body
    assert clusters_record() == []
    assert Cluster.objects.count() == 1
    assert Notification.objects.filter(topic__startswith="cluster:").count() == 1
    # A fourth case joins the recorded cluster.
    ransomware(dated_case, w.lyon_lab, w.declarant_lyon_lab, 2 * DAY)
    assert clusters_record() == []
    assert Cluster.objects.get().cases.count() == 4


def test_two_cases_make_no_cluster(world: Any, dated_case: Any, settings: Any) -> None:
    w = world
    ransomware(dated_case, w.lyon, w.declarant_lyon, 1 * DAY)
    ransomware(dated_case, w.lyon_lab, w.declarant_lyon_lab, 2 * DAY)
    # A third of another type does not count either.
    ransomware(dated_case, w.lyon, w.declarant_lyon, 3 * DAY, type_code="phishing")
    assert find_clusters(cell_cases()) == []
    page = client_for(w.acss).get("/statistiques/signaux-faibles/").content.decode()
    assert 'data-testid="no-cluster"' in page
    assert clusters_record() == []
    # The threshold is a setting.
    settings.VIGIE_CLUSTER_TYPE_MIN_CASES = 2
    [cluster] = find_clusters(cell_cases())
    assert cluster.basis == "type_departement"


def test_cases_twenty_days_apart_make_no_cluster(world: Any, dated_case: Any) -> None:
    w = world
    for age in (1, 21, 41):
        ransomware(dated_case, w.lyon, w.declarant_lyon, age * DAY)
    now = timezone.now()
    for shift in (0, 10, 20, 30):
        assert find_clusters(cell_cases(), now=now - shift * DAY) == []
    assert clusters_record() == []


def test_spread_over_the_region(world: Any, dated_case: Any, make_user: Any) -> None:
    """Two in the Rhône and one in the Ain: a signal for the region, none for a
    département; once the Rhône has three, both."""
    w = world
    ain = structure_create(with_check_key("01000001"), "Centre hospitalier de Bourg", "01")
    declarant_ain = make_user(Role.DECLARANT, structure=ain)
    ransomware(dated_case, w.lyon, w.declarant_lyon, 1 * DAY)
    ransomware(dated_case, w.lyon_lab, w.declarant_lyon_lab, 2 * DAY)
    ransomware(dated_case, ain, declarant_ain, 3 * DAY)
    # One in Paris: another region.
    ransomware(dated_case, w.paris, w.director_paris, 1 * DAY)
    [cluster] = find_clusters(cell_cases())
    assert cluster.basis == "type_region"
    assert len(cluster.case_ids) == 3
    assert "Règle : Même type dans la région" in visible_text(w.acss)
    ransomware(dated_case, w.lyon, w.declarant_lyon, 4 * DAY)
    assert sorted(c.basis for c in find_clusters(cell_cases())) == [
        "type_departement",
        "type_region",
    ]


def test_visibility_unchanged(world: Any, dated_case: Any, make_user: Any) -> None:
    """Three ransomware cases at a military hospital: the cell may not read them, so it
    neither sees nor records a cluster; the HFDS/FSSI reads every case and sees it; an ARS
    has no weak-signals page."""
    w = world
    declarant = make_user(Role.DECLARANT, structure=w.military)
    cases = [ransomware(dated_case, w.military, declarant, age * DAY) for age in (1, 2, 3)]
    acss_page = client_for(w.acss).get("/statistiques/signaux-faibles/").content.decode()
    assert 'data-testid="no-cluster"' in acss_page
    assert all(case.reference not in acss_page for case in cases)
    assert clusters_record() == []
    hfds_page = client_for(w.hfds).get("/statistiques/signaux-faibles/").content.decode()
    assert "Même type dans le département" in hfds_page
    assert all(case.reference in hfds_page for case in cases)
    for user in (w.ars_idf, w.defence, w.declarant_lyon):
        assert client_for(user).get("/statistiques/signaux-faibles/").status_code == 403
