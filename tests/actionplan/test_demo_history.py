"""The demo's action-plan history is dated before its incidents, so that each demo case
shows what the structure had done at the time (make run's first impression)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.test import RequestFactory

from vigie.actionplan.selectors import assessment_event_model, incident_moment
from vigie.cases.models import Case
from vigie.directory.demo import DEMO_DOMAIN
from vigie.directory.models import User

pytestmark = pytest.mark.django_db


def statuses_shown(case: Case, reader: User) -> dict[int, str]:
    """Measure number → the status the case page's block shows for it."""
    request = RequestFactory().get("/")
    request.user = reader
    html = Template(
        '{% include "actionplan/includes/measures_at_incident.html" with case=case %}'
    ).render(Context({"case": case, "request": request}))
    rows = html.split("<tr data-measure=")[1:]
    shown = {}
    for row in rows:
        number = int(row.split('"')[1])
        cells = row.split("<td>")
        shown[number] = " ".join(cells[5].split("<")[1].split(">", 1)[1].split())
    return shown


def test_the_demo_cases_show_the_measures_of_their_time(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    ars_ara = User.objects.get(email=f"ars-ara@{DEMO_DOMAIN}")
    ars_reunion = User.objects.get(email=f"ars-reunion@{DEMO_DOMAIN}")

    def case(key: str) -> Case:
        return Case.objects.select_related("declaration", "structure").get(
            declaration__external_id=key
        )

    phishing, ransomware = case("demo-hameconnage-lyon"), case("demo-rancongiciel-lyon")
    at_phishing = statuses_shown(phishing, ars_ara)
    at_ransomware = statuses_shown(ransomware, ars_ara)
    # Passwords were still being hardened at the phishing, done before the ransomware;
    # the backups were still being tested at both; nothing says "all not started".
    assert at_phishing[6] == "En cours"
    assert 6 not in at_ransomware
    assert at_phishing[7] == at_ransomware[7] == "En cours"
    assert 1 not in at_phishing and 12 not in at_phishing  # done, not applicable
    assert at_ransomware[16] == "Non commencée"
    assert len(at_phishing) == 9 and len(at_ransomware) == 8
    # La Réunion's hospital had begun its plan too.
    at_reunion = statuses_shown(case("demo-panne-reunion"), ars_reunion)
    assert at_reunion[7] == "En cours" and 1 not in at_reunion
    # Every step was recorded before the latest incident, none at load time.
    latest = incident_moment(ransomware)
    events = assessment_event_model().objects.all()
    assert events.exists()
    assert all(event.pgh_created_at < latest for event in events)
