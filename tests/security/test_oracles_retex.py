"""The RETEX edit page offers as "similar cases" only cases its reader may read: the
cases another writer linked (the cell, nationally) are not listed to a regional editor
when they belong to another region."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from tests.factories import client_for
from vigie.cases.models import Case, CaseStatus
from vigie.retex.services import retex_write

pytestmark = pytest.mark.django_db


def _closed(case: Case) -> Case:
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=timezone.now())
    case.refresh_from_db()
    return case


def test_the_ars_editor_does_not_see_another_regions_linked_case(
    world: Any, make_case: Any
) -> None:
    paris = _closed(make_case(world.paris, world.director_paris))
    lyon = _closed(make_case(world.lyon, world.declarant_lyon))
    # The cell, which reads both, links the Paris case to Lyon's lessons learned.
    retex_write(case=lyon, by=world.acss, causes="Sauvegardes exposées.", similar_cases=[paris])
    assert not Case.objects.visible_to(world.ars_ara).filter(pk=paris.pk).exists()

    page = client_for(world.ars_ara).get(f"/retex/dossier/{lyon.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert paris.reference not in html
    choices = page.context["form"].fields["similar_cases"].queryset
    assert paris not in choices
    # The cell still sees its link.
    cell = client_for(world.acss).get(f"/retex/dossier/{lyon.pk}/")
    assert paris.reference in cell.content.decode()
