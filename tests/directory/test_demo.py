"""The demo `make run` loads: idempotent, and every printed password signs in."""

from __future__ import annotations

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
