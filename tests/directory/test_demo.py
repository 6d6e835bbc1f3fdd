"""The demo `make run` loads: idempotent, and every printed password signs in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from vigie.cases.models import Case, CaseStatus
from vigie.declarations.models import Declaration
from vigie.directory.demo import demo_load

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_its_passwords_work(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    first = demo_load()
    second = demo_load()
    assert [(email, pw) for _, email, pw in first] == [(email, pw) for _, email, pw in second]
    for _, email, password in second:
        assert authenticate(email=email, password=password) is not None, email

    # The credentials file is lost (new var/ over an existing database): the passwords
    # printed next time are the ones that work.
    (tmp_path / "demo-credentials.txt").unlink()
    third = demo_load()
    for _, email, password in third:
        assert authenticate(email=email, password=password) is not None, email


def test_load_demo_submits_declarations_and_moves_cases_along(
    settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    submitted = Declaration.objects.filter(status="submitted")
    assert submitted.count() == 4  # three current incidents, one archived (portal demo)
    assert Declaration.objects.filter(status="draft").count() == 1
    statuses = sorted(Case.objects.values_list("status", flat=True))
    # Plus an archived case, closed, whose anonymised RETEX the portal demo publishes.
    assert statuses == sorted(
        [
            CaseStatus.TO_PROCESS,
            CaseStatus.TO_PROCESS,
            CaseStatus.AWAITING_QUALIFICATION,
            CaseStatus.CLOSED,
        ]
    )
    from vigie.retex.models import AnonymisedRetex

    assert AnonymisedRetex.objects.visible_to(None).count() == 1
    assert Case.objects.overdue().count() == 1


def test_demo_case_histories_are_dated_around_their_incidents(
    settings: Any, tmp_path: Path
) -> None:
    """Each demo incident's timeline reads in order: detected, declared (the case opens
    then), qualified two hours later; nothing at load time, nothing in the future."""
    from django.utils import timezone

    from vigie.cases.models import EventKind
    from vigie.declarations.demo import DEMO

    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    now = timezone.now()
    for item in DEMO:
        case = Case.objects.select_related("declaration").get(declaration__external_id=item["key"])
        declaration = case.declaration
        assert declaration.detected_at is not None and declaration.submitted_at is not None
        assert declaration.detected_at < declaration.submitted_at == case.opened_at
        events = list(case.timeline.order_by("at", "pk"))
        assert events[0].kind == EventKind.OPENED
        assert events[0].at == case.opened_at
        assert all(declaration.detected_at <= e.at < now - timedelta(hours=24) for e in events)
        if item.get("qualify"):
            assert case.qualified_at == case.opened_at + timedelta(hours=2)
            qualified = [e for e in events if e.kind == EventKind.QUALIFIED]
            assert [e.at for e in qualified] == [case.qualified_at]
        else:
            assert case.status == CaseStatus.AWAITING_QUALIFICATION
    # The oldest incident's weekly update to the ARS is late, as the queue shows.
    assert Case.objects.overdue().count() == 1
