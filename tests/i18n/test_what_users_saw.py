"""French wording as rendered: a status is an adjective, counts agree in number."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import client_for
from vigie.alerts.services import alert_acknowledge, alert_send, vendor_request_create
from vigie.directory.models import Region, StructureKind

pytestmark = pytest.mark.django_db


def test_an_open_vendor_request_is_ouverte_not_ouvrir(world: Any) -> None:
    request = vendor_request_create(
        by=world.acss,
        vendor=world.vendor,
        kind="vulnerability",
        title="Injection SQL",
        description="Lecture de la base",
        product="DPI",
        affected_versions="4.x",
        cve="cve-2024-12345",
    )
    for user in (world.acss, world.vendor_contact):
        detail = client_for(user).get(f"/demandes-editeurs/{request.pk}/").content.decode()
        status = re.search(r'data-testid="request-status">([^<]*)<', detail)
        assert status is not None and status.group(1) == "Ouverte"
        listing = client_for(user).get("/demandes-editeurs/").content.decode()
        assert "<td>Ouverte</td>" in listing
        assert "Ouvrir" not in listing


def test_acknowledgements_agree_with_their_count(world: Any) -> None:
    alert = alert_send(
        by=world.hfds,
        title="Hameçonnage",
        body="Vigilance",
        severity="warning",
        regions=Region.objects.filter(code="84"),
    )
    total = alert.recipients.count()
    assert total == 2

    def shown() -> str:
        html = client_for(world.acss).get(f"/alertes/{alert.pk}/").content.decode()
        found = re.search(r'data-testid="ack-count">([^<]*)<', html)
        assert found is not None
        return found.group(1)

    assert shown() == "0 structure sur 2 a accusé réception."
    alert_acknowledge(recipient=alert.recipients.get(structure=world.lyon), by=world.member_lyon)
    assert shown() == "1 structure sur 2 a accusé réception."
    alert_acknowledge(
        recipient=alert.recipients.get(structure=world.lyon_lab), by=world.declarant_lyon_lab
    )
    assert shown() == "2 structures sur 2 ont accusé réception."


def test_sending_an_alert_says_how_many_structures_in_french(world: Any) -> None:
    ara = Region.objects.get(code="84")
    response = client_for(world.hfds).post(
        "/alertes/nouvelle/",
        {
            "title": "Faille VPN",
            "body": "Appliquez le correctif.",
            "severity": "critical",
            "regions": [ara.pk],
            "structure_kinds": [StructureKind.HEALTH_FACILITY],
        },
        follow=True,
    )
    html = response.content.decode()
    assert "L’alerte est envoyée à 1 structure." in html
    assert "(s)" not in html


@pytest.mark.django_db
def test_no_select_offers_djangos_dashes() -> None:
    """Empty choices say what they mean ("Toutes les régions"), never "---------"."""
    from vigie.alerts.forms import RecipientFilterForm, VendorRequestForm
    from vigie.directory.models import Region
    from vigie.insights.forms import StatsFilterForm

    forms = [
        RecipientFilterForm(regions=Region.objects.all()),
        VendorRequestForm(),
        StatsFilterForm(regions=Region.objects.all()),
    ]
    for form in forms:
        html = str(form)
        assert "---------" not in html, type(form).__name__
    assert "Toutes les régions" in str(forms[0])
