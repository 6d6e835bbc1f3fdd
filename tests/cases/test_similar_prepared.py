"""Similar incidents in progress (task A) by a statement compiled once per reader's scope
and shape of the question (vigie/cases/selectors.py ``similar_open_cases``): the same
cases, in the same order, with the same reasons as the ORM's reading it replaced, for every
reader of the test world and each shape (incident type, vendors, software, none)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext as _

from tests.core.test_scope_sql import world_users
from vigie.cases import selectors
from vigie.cases.models import Case
from vigie.core import prepared
from vigie.core.prepared import forget_prepared
from vigie.core.roles import Role
from vigie.declarations.models import Declaration, IncidentType
from vigie.directory.models import User, Vendor

pytestmark = pytest.mark.django_db


def reference_similar(case: Case, user: Any) -> list[tuple[str, list[str]]]:
    """similar_open_cases as it was (commit 3d363af)."""
    declaration = case.declaration
    vendor_ids = {v.pk for v in declaration.vendors.all()}
    software = declaration.software.strip().lower()
    condition = Q(pk__in=[])
    if declaration.incident_type_id:
        condition |= Q(declaration__incident_type_id=declaration.incident_type_id)
    if vendor_ids:
        condition |= Q(
            Exists(
                Declaration.vendors.through.objects.filter(
                    declaration_id=OuterRef("declaration_id"), vendor_id__in=vendor_ids
                )
            )
        )
    if software:
        condition |= Q(software_key=software)
    matches = (
        Case.objects.visible_to(user)
        .open()
        .exclude(pk=case.pk)
        .annotate(software_key=Lower(Trim("declaration__software")))
        .filter(condition)
        .select_related("structure__departement", "declaration")
        .order_by("-opened_at", "-pk")
    )
    if vendor_ids:
        matches = matches.prefetch_related(
            Prefetch(
                "declaration__vendors",
                queryset=Vendor.objects.filter(pk__in=vendor_ids).order_by("name"),
            )
        )
    similar = []
    for other in matches[: selectors.SIMILAR_MAX]:
        reasons = []
        if declaration.incident_type_id and (
            other.declaration.incident_type_id == declaration.incident_type_id
        ):
            reasons.append(_("same incident type (%(type)s)") % {"type": declaration.incident_type})
        shared = [v.name for v in other.declaration.vendors.all()] if vendor_ids else []
        if shared:
            reasons.append(_("same vendor (%(vendors)s)") % {"vendors": ", ".join(shared)})
        if software and other.declaration.software.strip().lower() == software:
            reasons.append(
                _("same software (%(software)s)") % {"software": declaration.software.strip()}
            )
        similar.append((other.reference, reasons))
    return similar


def fast(case: Case, user: Any) -> list[tuple[str, list[str]]]:
    found = selectors.similar_open_cases(case, user)
    for item in found:  # what the page shows of each
        assert item.case.structure.name and str(item.case.structure.departement)
    return [(item.case.reference, item.reasons) for item in found]


@pytest.fixture
def cases(world: Any, make_case: Callable[..., Case], make_user: Callable[..., User]) -> list[Any]:
    phishing = IncidentType.objects.get(code="phishing")
    ransomware = IncidentType.objects.get(code="ransomware")
    a, b, c = (Vendor.objects.create(name=name) for name in ("Éditeur C", "Éditeur A", "B & fils"))
    military_declarant = make_user(Role.DECLARANT, structure=world.military)
    made = [
        make_case(world.lyon, world.declarant_lyon, incident_type=ransomware, software="DPI X"),
        make_case(world.paris, world.director_paris, incident_type=phishing, software=" dpi x "),
        make_case(world.reunion, world.declarant_reunion, incident_type=phishing, software=""),
        make_case(world.lyon_lab, world.declarant_lyon_lab, incident_type=ransomware),
        make_case(world.military, military_declarant, incident_type=ransomware, software="DPI X"),
        make_case(world.lyon, world.declarant_lyon, incident_type=phishing, software=""),
    ]
    # A quick declaration's case: no incident type yet, no software, no vendor.
    Declaration.objects.filter(pk=made[5].declaration_id).update(incident_type=None)
    made[5] = Case.objects.get(pk=made[5].pk)
    made[0].declaration.vendors.set([a, b, c])
    made[1].declaration.vendors.set([b, c])
    made[2].declaration.vendors.set([a])
    made[4].declaration.vendors.set([c])
    return made


def test_the_same_similar_cases_and_reasons_for_every_reader(world: Any, cases: list[Case]) -> None:
    forget_prepared()
    listed = 0
    for name, user in world_users(world).items():
        for case in cases:
            for _round in range(2):  # compiled, then from the cache
                reader = User.objects.get(pk=user.pk)
                expected = reference_similar(case, reader)
                assert fast(case, User.objects.get(pk=user.pk)) == expected, (name, case)
                listed += len(expected)
    assert listed > 20  # not vacuous


def test_more_vendors_than_marks_are_still_compared(
    world: Any, cases: list[Case], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prepared, "MARKS_MAX", 2)
    for case in cases:
        assert fast(case, world.acss) == reference_similar(case, world.acss)
