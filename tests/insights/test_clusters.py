"""Weak-signal clusters: found and not found at the edges of the window, threshold and
territory; recorded once and the cell told once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import client_for
from vigie.insights.correlation import find_clusters
from vigie.insights.exports import stix_parse
from vigie.insights.models import Cluster
from vigie.insights.services import cell_cases, clusters_record, indicator_add
from vigie.notifications.models import Notification

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture
def ioc_case(world: Any, dated_case: Any) -> Any:
    def make(structure: Any, declarant: Any, age: timedelta, value: str = "192.0.2.1") -> Any:
        case = dated_case(structure, declarant, detected=timezone.now() - age)
        indicator_add(case=case, by=world.acss, kind="ip", value=value)
        return case

    return make


def ip_clusters(now: Any = None) -> list[Any]:
    return [c for c in find_clusters(cell_cases(), now=now) if c.basis == "indicator"]


def test_three_cases_in_one_region_form_a_cluster(world: Any, ioc_case: Any) -> None:
    w = world
    cases = [
        ioc_case(w.lyon, w.declarant_lyon, 1 * DAY),
        ioc_case(w.lyon_lab, w.declarant_lyon_lab, 2 * DAY, value="192.0.2[.]1"),  # defanged
        # Just inside the 14-day window.
        ioc_case(w.lyon, w.declarant_lyon, 14 * DAY - timedelta(minutes=5)),
    ]
    [cluster] = ip_clusters()
    assert cluster.key == "indicator:ip:192.0.2.1"
    assert cluster.region_name == "Auvergne-Rhône-Alpes"
    assert cluster.case_ids == sorted(c.pk for c in cases)


def test_not_a_cluster_at_the_edges(world: Any, ioc_case: Any, settings: Any) -> None:
    w = world
    ioc_case(w.lyon, w.declarant_lyon, 1 * DAY)
    ioc_case(w.lyon_lab, w.declarant_lyon_lab, 2 * DAY)
    # Only two so far: under the threshold.
    assert ip_clusters() == []
    # A third just outside the window, and one in another region: still none.
    ioc_case(w.lyon, w.declarant_lyon, 14 * DAY + timedelta(minutes=5))
    ioc_case(w.paris, w.director_paris, 1 * DAY)
    assert ip_clusters() == []
    # Thresholds are settings.
    settings.VIGIE_CLUSTER_MIN_CASES = 2
    assert len(ip_clusters()) == 1
    settings.VIGIE_CLUSTER_MIN_CASES = 3
    settings.VIGIE_CLUSTER_WINDOW_DAYS = 15
    assert len(ip_clusters()) == 1


def test_same_type_and_vendor_or_software(world: Any, dated_case: Any) -> None:
    w = world
    now = timezone.now()
    for structure, declarant, software in [
        (w.lyon, w.declarant_lyon, "DPI Santé"),
        (w.lyon_lab, w.declarant_lyon_lab, "dpi  santé, Messagerie"),
        (w.lyon, w.declarant_lyon, "DPI SANTÉ"),
    ]:
        case = dated_case(structure, declarant, detected=now - DAY, software=software)
        case.declaration.vendors.add(w.vendor)
    # A phishing case with the same software does not count (other incident type).
    other = dated_case(w.lyon, w.declarant_lyon, detected=now - DAY, type_code="phishing",
                       software="DPI Santé")  # fmt: skip
    found = {c.basis: c for c in find_clusters(cell_cases())}
    # Three ransomware cases in the Rhône are also a signal by themselves.
    assert set(found) == {"vendor", "software", "type_departement"}
    assert found["software"].key.endswith(":dpi santé")
    assert len(found["vendor"].case_ids) == 3
    assert other.pk not in found["software"].case_ids


def test_recorded_once_and_cell_notified_once(world: Any, ioc_case: Any, settings: Any) -> None:
    w = world
    # The shared indicator only (the same-type rule is tested in test_clusters_territory).
    settings.VIGIE_CLUSTER_TYPE_MIN_CASES = 100
    for age in (1, 2, 3):
        ioc_case(w.lyon, w.declarant_lyon, age * DAY)
    created = clusters_record()
    assert len(created) == 1
    assert Notification.objects.filter(user=w.acss, topic=f"cluster:{created[0].pk}").count() == 1
    # A fourth case joins the same cluster; nobody is told again.
    ioc_case(w.lyon_lab, w.declarant_lyon_lab, 0.5 * DAY)
    assert clusters_record() == []
    cluster = Cluster.objects.get()
    assert cluster.cases.count() == 4
    assert Notification.objects.filter(topic__startswith="cluster:").count() == 1
    # The page lists it for the cell; not for an ARS.
    response = client_for(w.acss).get("/statistiques/signaux-faibles/")
    assert response.status_code == 200
    assert 'data-key="indicator:ip:192.0.2.1"' in response.content.decode()
    assert client_for(w.ars_ara).get("/statistiques/signaux-faibles/").status_code == 403
    # The cluster's indicators as STIX, for the cell.
    bundle = client_for(w.acss).get(f"/statistiques/signaux-faibles/{cluster.pk}/stix.json")
    assert bundle.status_code == 200
    parsed = stix_parse(bundle.content.decode())
    assert len([o for o in parsed.objects if o.type == "indicator"]) == 4
    assert (
        client_for(w.ars_ara)
        .get(f"/statistiques/signaux-faibles/{cluster.pk}/stix.json")
        .status_code
        == 404
    )


def test_indicator_normalised_and_validated(world: Any, dated_case: Any) -> None:
    case = dated_case(world.lyon, world.declarant_lyon, detected=timezone.now() - DAY)
    indicator = indicator_add(case=case, by=world.acss, kind="domain", value="Evil.Example.")
    assert indicator.normalised == "evil.example"
    assert indicator.tlp == case.declaration.tlp
    with pytest.raises(ValidationError):
        indicator_add(case=case, by=world.acss, kind="domain", value="EVIL.example")
    with pytest.raises(ValidationError):
        indicator_add(case=case, by=world.acss, kind="ip", value="999.1.1.1")
    with pytest.raises(ValidationError):
        indicator_add(case=case, by=world.acss, kind="hash", value="abc")


def test_indicator_form_on_case_page(world: Any, dated_case: Any) -> None:
    case = dated_case(world.lyon, world.declarant_lyon, detected=timezone.now() - DAY)
    page = client_for(world.ars_ara).get(f"/dossiers/{case.pk}/").content.decode()
    assert 'data-testid="indicator-form"' in page
    response = client_for(world.ars_ara).post(
        f"/dossiers/{case.pk}/indicateurs/", {"kind": "cve", "value": "cve-2024-3400"}
    )
    assert response.status_code == 302
    assert case.indicators.get().normalised == "CVE-2024-3400"
    # The structure reads them but does not add; another region's ARS cannot.
    page = client_for(world.declarant_lyon).get(f"/dossiers/{case.pk}/").content.decode()
    assert 'data-testid="indicator-form"' not in page
    assert "cve-2024-3400" in page
    denied = client_for(world.declarant_lyon).post(
        f"/dossiers/{case.pk}/indicateurs/", {"kind": "ip", "value": "192.0.2.9"}
    )
    assert denied.status_code == 403
    other = client_for(world.ars_idf).post(
        f"/dossiers/{case.pk}/indicateurs/", {"kind": "ip", "value": "192.0.2.9"}
    )
    assert other.status_code == 404
