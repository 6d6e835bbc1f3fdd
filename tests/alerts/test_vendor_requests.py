"""Vulnerability reports and patch requests addressed to vendors."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import client_for
from vigie.alerts.models import RequestStatus, VendorRequest, VendorRequestEntry
from vigie.alerts.services import vendor_request_create, vendor_request_update
from vigie.directory.models import Membership, Role, User, Vendor
from vigie.notifications.models import Notification, OutgoingEmail

pytestmark = pytest.mark.django_db


def _create(world: Any, vendor: Vendor | None = None, **extra: Any) -> VendorRequest:
    values = {
        "kind": "vulnerability",
        "title": "Injection SQL",
        "description": "Lecture de la base",
        "product": "DPI",
        "affected_versions": "4.x",
        "cve": "cve-2024-12345",
    }
    values.update(extra)
    return vendor_request_create(by=world.acss, vendor=vendor or world.vendor, **values)


def test_creation_emails_the_security_contact(world: Any) -> None:
    request = _create(world)
    assert request.cve == "CVE-2024-12345" and request.status == RequestStatus.OPEN
    email = OutgoingEmail.objects.get(purpose="vendor-request")
    assert email.to == ["psirt@editeur.test"]
    assert "Injection SQL" in email.body and "CVE-2024-12345" in email.body
    assert Notification.objects.filter(user=world.vendor_contact).exists()
    assert request.entries.get().to_status == RequestStatus.OPEN


def test_health_products_are_refused_for_ansm(world: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        _create(world, involves_health_product=True)
    assert refused.value.code == "health_product" and "ANSM" in refused.value.messages[0]
    response = client_for(world.acss).post(
        "/demandes-editeurs/nouvelle/",
        {
            "vendor": world.vendor.pk,
            "kind": "patch",
            "title": "Pompe à perfusion",
            "product": "Pompe",
            "description": "Vulnérabilité",
            "involves_health_product": "on",
        },
    )
    assert response.status_code == 200 and "ANSM" in response.content.decode()
    assert not VendorRequest.objects.exists() and not OutgoingEmail.objects.exists()


def test_bad_cve_is_refused(world: Any) -> None:
    with pytest.raises(ValidationError):
        _create(world, cve="2024-1")


def test_only_acss_and_hfds_create(world: Any) -> None:
    vendor_request_create(
        by=world.hfds, vendor=world.vendor, kind="patch", title="t", description="d", product="p"
    )
    for user in (world.vendor_contact, world.ars_ara, world.declarant_lyon, world.ansm):
        with pytest.raises(PermissionDenied):
            vendor_request_create(
                by=user, vendor=world.vendor, kind="patch", title="t", description="d", product="p"
            )
        assert client_for(user).get("/demandes-editeurs/nouvelle/").status_code == 403


def test_vendor_sees_only_its_requests(world: Any) -> None:
    other_vendor = Vendor.objects.create(name="Autre éditeur", security_contact="sec@autre.test")
    other_contact = User.objects.create_user(email="contact@autre.test")
    Membership.objects.create(user=other_contact, role=Role.VENDOR_CONTACT, vendor=other_vendor)
    mine = _create(world)
    theirs = _create(world, vendor=other_vendor, title="Autre")
    assert set(VendorRequest.objects.visible_to(world.vendor_contact)) == {mine}
    assert set(VendorRequest.objects.visible_to(other_contact)) == {theirs}
    assert set(VendorRequest.objects.visible_to(world.acss)) == {mine, theirs}
    assert set(VendorRequest.objects.visible_to(world.hfds)) == {mine, theirs}
    for role in ["ars_ara", "declarant_lyon", "dgs", "ansm", "nobody", "admin"]:
        assert not VendorRequest.objects.visible_to(getattr(world, role)).exists(), role
        assert not VendorRequestEntry.objects.visible_to(getattr(world, role)).exists(), role
    assert not VendorRequest.objects.visible_to(None).exists()
    client = client_for(world.vendor_contact)
    listing = client.get("/demandes-editeurs/").content.decode()
    assert "Injection SQL" in listing and "Autre" not in listing
    assert client.get(f"/demandes-editeurs/{theirs.pk}/").status_code == 404
    assert client_for(world.declarant_lyon).get("/demandes-editeurs/").status_code == 403


def test_vendor_acknowledges_comments_and_marks_patch_available(world: Any) -> None:
    request = _create(world)
    client = client_for(world.vendor_contact)
    url = f"/demandes-editeurs/{request.pk}/suivi/"
    client.post(url, {"to_status": "acknowledged", "comment": "Reçu, analyse en cours"})
    client.post(url, {"to_status": "", "comment": "Correctif prévu en 4.8"})
    client.post(url, {"to_status": "patch_available", "comment": "Version 4.8 publiée"})
    request.refresh_from_db()
    assert request.status == RequestStatus.PATCH_AVAILABLE
    # The vendor cannot close the request: the cell checks the patch.
    assert client.post(url, {"to_status": "resolved"}).status_code == 400
    with pytest.raises(ValidationError):
        vendor_request_update(request=request, by=world.vendor_contact, to_status="resolved")
    vendor_request_update(request=request, by=world.acss, to_status="resolved", comment="Vérifié")
    timeline = list(request.entries.values_list("actor", "from_status", "to_status", "comment"))
    assert timeline == [
        (world.acss.pk, "", "open", ""),
        (world.vendor_contact.pk, "open", "acknowledged", "Reçu, analyse en cours"),
        (world.vendor_contact.pk, "", "", "Correctif prévu en 4.8"),
        (world.vendor_contact.pk, "acknowledged", "patch_available", "Version 4.8 publiée"),
        (world.acss.pk, "patch_available", "resolved", "Vérifié"),
    ]
    # The creator was told of the vendor's updates.
    assert Notification.objects.filter(user=world.acss).count() == 3
    page = client_for(world.acss).get(f"/demandes-editeurs/{request.pk}/").content.decode()
    assert "Version 4.8 publiée" in page


def test_rejection_needs_a_reason(world: Any) -> None:
    request = _create(world)
    with pytest.raises(ValidationError):
        vendor_request_update(request=request, by=world.acss, to_status="rejected")
    with pytest.raises(PermissionDenied):
        vendor_request_update(request=request, by=world.ars_ara, comment="x")
