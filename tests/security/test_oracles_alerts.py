"""Alert targeting is no oracle: a sender resolves only what it may read, and whoever
reads an alert afterwards sees only the recipients it could have resolved itself.

The cell (ACSS) sees every structure of the directory, military hospitals included, but
not their declarations: that a military hospital named a software in a declaration is
exactly what it must not learn from a "no structure matches" or a recipient list."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import client_for
from vigie.alerts.models import Alert, AlertRecipient
from vigie.alerts.services import alert_send, alert_targets
from vigie.directory.models import Role, StructureKind
from vigie.notifications.models import Notification, OutgoingEmail

pytestmark = pytest.mark.django_db

SECRET = "Logiciel Confidentiel Défense"
NOWHERE = "Logiciel Inexistant 2030"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture
def military_software(world: Any, make_user: Callable[..., Any], make_case: Any) -> Any:
    """The military hospital declared (care not affected) an incident naming SECRET."""
    soldier = make_user(Role.DECLARANT, structure=world.military)
    make_case(world.military, soldier, software=SECRET, care_impact="none")
    return soldier


def _targeting_answer(client: Any, software: str) -> tuple[int, str]:
    response = client.post(
        "/alertes/nouvelle/",
        {
            "title": "Faille",
            "body": "Appliquez le correctif.",
            "severity": "critical",
            "structure_kinds": [StructureKind.MILITARY_HOSPITAL],
            "software": software,
        },
    )
    page = CSRF.sub("", response.content.decode()).replace(software, "<software>")
    return response.status_code, page


def test_the_cell_cannot_tell_an_unreadable_software_use_from_none(
    world: Any, military_software: Any
) -> None:
    client = client_for(world.acss)
    secret = _targeting_answer(client, SECRET)
    nowhere = _targeting_answer(client, NOWHERE)
    assert secret == nowhere
    assert secret[0] == 200  # the form again, with its "no structure matches"
    assert not Alert.objects.exists()
    assert not alert_targets(
        by=world.acss, structure_kinds=[StructureKind.MILITARY_HOSPITAL], software=SECRET
    ).exists()
    # The HFDS reads every declaration: it does reach the hospital.
    assert list(
        alert_targets(
            by=world.hfds, structure_kinds=[StructureKind.MILITARY_HOSPITAL], software=SECRET
        )
    ) == [world.military]
    # The structure itself is in the directory the cell reads: targeting it by type is
    # no oracle, and still works.
    alert = alert_send(
        by=world.acss,
        title="Faille",
        body="Correctif",
        severity="warning",
        structure_kinds=[StructureKind.MILITARY_HOSPITAL],
    )
    assert [row.structure for row in alert.recipients.all()] == [world.military]


def test_recipients_of_a_software_alert_are_shown_per_reader(
    world: Any, military_software: Any
) -> None:
    """The HFDS reaches the hospital through a declaration the cell and the ARS (notice
    of existence only) may not read: neither learns it was among the recipients."""
    alert = alert_send(
        by=world.hfds,
        title="Faille",
        body="Correctif",
        severity="warning",
        structure_kinds=[StructureKind.MILITARY_HOSPITAL, StructureKind.HEALTH_FACILITY],
        software=SECRET,
    )
    assert set(alert.recipients.values_list("structure", flat=True)) == {world.military.pk}
    page = f"/alertes/{alert.pk}/"
    hfds = client_for(world.hfds).get(page)
    assert world.military.name in hfds.content.decode()
    acss = client_for(world.acss).get(page)
    assert acss.status_code == 200  # the alert itself: every sender reads it
    assert world.military.name not in acss.content.decode()
    assert acss.context["total"] == 0
    assert not AlertRecipient.objects.visible_to(world.acss).exists()
    listing = client_for(world.acss).get("/alertes/")
    assert [a.recipient_count for a in listing.context["page_obj"]] == [0]
    # The ARS of the hospital's region got only a notice of existence of its incident:
    # no alert page, no notification, no e-mail counting the hospital.
    assert client_for(world.ars_idf).get(page).status_code == 404
    assert not Notification.objects.filter(user=world.ars_idf, topic=f"alert-{alert.pk}").exists()
    assert not OutgoingEmail.objects.filter(purpose="alert-ars").exists()
    # The hospital's own declarant sees its row and acknowledges it.
    own = client_for(military_software).get(page)
    assert [row.structure for row in own.context["own_rows"]] == [world.military]
