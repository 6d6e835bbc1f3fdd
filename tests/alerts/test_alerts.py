"""Alerts: targeting, e-mails, notifications, acknowledgement follow-up and scoping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from tests.factories import client_for
from vigie.alerts.models import Alert, AlertRecipient
from vigie.alerts.services import alert_acknowledge, alert_send, alert_targets
from vigie.declarations.models import Declaration, DeclarationStatus
from vigie.directory.models import Region, StructureKind
from vigie.notifications.models import Notification, OutgoingEmail

pytestmark = pytest.mark.django_db


def names(qs: Any) -> set[str]:
    return {structure.name for structure in qs}


@pytest.fixture
def software_use(world: Any, make_declaration: Callable[..., Any]) -> None:
    """Paris declared an incident on "Orbis"; La Réunion one involving world.vendor."""
    paris = make_declaration(world.paris, world.director_paris)
    Declaration.objects.filter(pk=paris.pk).update(
        status=DeclarationStatus.SUBMITTED,
        reference="T-1",
        submitted_at=timezone.now(),
        software="DPI Orbis 08.04",
    )
    reunion = make_declaration(world.reunion, world.declarant_reunion)
    Declaration.objects.filter(pk=reunion.pk).update(
        status=DeclarationStatus.SUBMITTED, reference="T-2", submitted_at=timezone.now()
    )
    reunion.vendors.add(world.vendor)
    # A draft naming the software does not count.
    draft = make_declaration(world.lyon, world.declarant_lyon)
    Declaration.objects.filter(pk=draft.pk).update(software="Orbis")


def test_targeting_region_and_kind(world: Any) -> None:
    ara = Region.objects.filter(code="84")
    assert names(alert_targets(by=world.hfds, regions=ara)) == {
        world.lyon.name,
        world.lyon_lab.name,
    }
    assert names(
        alert_targets(by=world.hfds, regions=ara, structure_kinds=[StructureKind.HEALTH_FACILITY])
    ) == {world.lyon.name}
    assert names(alert_targets(by=world.hfds, structure_kinds=[StructureKind.BIOLOGY_LAB])) == {
        world.lyon_lab.name
    }
    # No criterion: every structure but military hospitals, reached only explicitly.
    assert world.military.name not in names(alert_targets(by=world.hfds))
    assert names(alert_targets(by=world.hfds)) == {
        s.name for s in (world.lyon, world.lyon_lab, world.paris, world.reunion)
    }
    assert names(
        alert_targets(by=world.hfds, structure_kinds=[StructureKind.MILITARY_HOSPITAL])
    ) == {world.military.name}


def test_targeting_software_and_vendor(world: Any, software_use: None) -> None:
    assert names(alert_targets(by=world.hfds, software="orbis")) == {world.paris.name}
    assert names(alert_targets(by=world.hfds, vendors=[world.vendor])) == {world.reunion.name}
    assert names(alert_targets(by=world.hfds, software="Orbis", vendors=[world.vendor])) == {
        world.paris.name,
        world.reunion.name,
    }
    assert not alert_targets(
        by=world.hfds, software="Orbis", regions=Region.objects.filter(code="84")
    ).exists()
    assert not alert_targets(
        by=world.hfds, vendors=[world.vendor], structure_kinds=[StructureKind.BIOLOGY_LAB]
    ).exists()


def _send(world: Any, **targeting: Any) -> Alert:
    return alert_send(
        by=world.hfds, title="Hameçonnage", body="Vigilance", severity="warning", **targeting
    )


def test_send_records_recipients_emails_and_notifications(world: Any) -> None:
    world.lyon.ssi_mailbox = "ssi@chu-lyon.test"
    world.lyon.save()
    alert = _send(world, regions=Region.objects.filter(code__in=["84", "11"]))
    assert {r.structure for r in alert.recipients.all()} == {
        world.lyon,
        world.lyon_lab,
        world.paris,
    }
    emails = {tuple(e.to) for e in OutgoingEmail.objects.filter(purpose="alert")}
    assert emails == {
        tuple(sorted(["ssi@chu-lyon.test", world.declarant_lyon.email])),
        (world.declarant_lyon_lab.email,),
        (world.director_paris.email,),
    }
    ars = OutgoingEmail.objects.filter(purpose="alert-ars")
    regions = Region.objects.filter(code__in=["84", "11"])
    assert sorted(address for e in ars for address in e.to) == sorted(
        r.ssi_mailbox.lower() for r in regions
    )
    notified = set(
        Notification.objects.filter(topic=f"alert-{alert.pk}").values_list("user", flat=True)
    )
    expected = {
        world.declarant_lyon,
        world.member_lyon,
        world.declarant_lyon_lab,
        world.director_paris,
        world.ars_ara,
        world.ars_idf,
    }
    assert notified == {user.pk for user in expected}


def test_only_hfds_and_acss_send(world: Any) -> None:
    for user in (world.ars_ara, world.declarant_lyon, world.vendor_contact, world.dgs):
        with pytest.raises(PermissionDenied):
            alert_send(by=user, title="t", body="b", severity="info")
        assert client_for(user).get("/alertes/nouvelle/").status_code == 403
    alert_send(by=world.acss, title="Relais", body="x", severity="info")
    with pytest.raises(ValidationError):
        _send(world, software="aucun-logiciel-de-ce-nom")


def test_send_through_the_form(world: Any) -> None:
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
    )
    alert = Alert.objects.get(title="Faille VPN")
    assert response["Location"] == f"/alertes/{alert.pk}/"
    assert list(alert.recipients.values_list("structure", flat=True)) == [world.lyon.pk]


def test_acknowledgement_and_pending_list(world: Any) -> None:
    alert = _send(world, regions=Region.objects.filter(code="84"))
    lyon_row = alert.recipients.get(structure=world.lyon)
    page = f"/alertes/{alert.pk}/"
    acss = client_for(world.acss)
    pending = acss.get(page).context["pending"]
    assert {row.structure for row in pending} == {world.lyon, world.lyon_lab}
    # A member of another structure cannot acknowledge for Lyon.
    assert (
        client_for(world.declarant_lyon_lab)
        .post(f"/alertes/{alert.pk}/accuse-reception/{lyon_row.pk}/")
        .status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        alert_acknowledge(recipient=lyon_row, by=world.acss)
    member = client_for(world.member_lyon)
    assert 'data-testid="acknowledge"' in member.get(page).content.decode()
    member.post(f"/alertes/{alert.pk}/accuse-reception/{lyon_row.pk}/")
    lyon_row.refresh_from_db()
    assert lyon_row.acknowledged_by == world.member_lyon and lyon_row.acknowledged_at
    # A second acknowledgement keeps the first one.
    first = lyon_row.acknowledged_at
    alert_acknowledge(recipient=lyon_row, by=world.declarant_lyon)
    lyon_row.refresh_from_db()
    assert lyon_row.acknowledged_at == first and lyon_row.acknowledged_by == world.member_lyon
    response = acss.get(page)
    assert {row.structure for row in response.context["pending"]} == {world.lyon_lab}
    assert response.context["acknowledged"] == 1 and response.context["total"] == 2


def test_ars_sees_only_its_region_rows(world: Any) -> None:
    alert = _send(world, regions=Region.objects.filter(code__in=["84", "11"]))
    ara = client_for(world.ars_ara).get(f"/alertes/{alert.pk}/")
    assert {row.structure for row in ara.context["pending"]} == {world.lyon, world.lyon_lab}
    idf = client_for(world.ars_idf).get(f"/alertes/{alert.pk}/")
    assert {row.structure for row in idf.context["pending"]} == {world.paris}
    assert set(AlertRecipient.objects.visible_to(world.ars_idf)) == {
        alert.recipients.get(structure=world.paris)
    }
    assert client_for(world.ars_reunion).get(f"/alertes/{alert.pk}/").status_code == 404
    # Region filter for the national roles.
    ara_region = Region.objects.get(code="84")
    filtered = client_for(world.hfds).get(f"/alertes/{alert.pk}/?region={ara_region.pk}")
    assert {row.structure for row in filtered.context["pending"]} == {world.lyon, world.lyon_lab}


def test_alert_visibility_per_role(world: Any) -> None:
    alert = _send(world, regions=Region.objects.filter(code="84"))
    readers = ["hfds", "acss", "ars_ara", "declarant_lyon", "member_lyon", "declarant_lyon_lab"]
    for role in readers:
        assert Alert.objects.visible_to(getattr(world, role)).get() == alert, role
        assert client_for(getattr(world, role)).get(f"/alertes/{alert.pk}/").status_code == 200
    for role in ["declarant_reunion", "ars_idf", "vendor_contact", "nobody", "admin"]:
        assert not Alert.objects.visible_to(getattr(world, role)).exists(), role
    assert client_for(world.vendor_contact).get("/alertes/").status_code == 403
    assert not Alert.objects.visible_to(None).exists()
    assert Client().get("/alertes/").status_code == 302
    # A structure user sees only its own rows.
    assert set(AlertRecipient.objects.visible_to(world.declarant_lyon)) == {
        alert.recipients.get(structure=world.lyon)
    }
