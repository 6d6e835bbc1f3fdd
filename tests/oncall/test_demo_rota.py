"""The demo rota: someone is on call for the FSSI and for the cell every night."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from vigie.directory.demo import DEMO_DOMAIN, demo_load
from vigie.notifications.calendar import PARIS
from vigie.oncall.demo import demo_rota_load
from vigie.oncall.selectors import oncall_now

pytestmark = pytest.mark.django_db


def test_demo_rota_covers_the_nights_once(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    demo_load()
    assert demo_rota_load() > 0
    assert demo_rota_load() == 0  # loaded once
    for offset in (-3, 0, 3):
        night = datetime.combine(
            timezone.localtime(timezone.now(), PARIS).date() + timedelta(days=offset),
            time(23, 0),
            PARIS,
        )
        assert [p.email for p in oncall_now("fssi", night)] == [f"hfds@{DEMO_DOMAIN}"]
        assert len(oncall_now("cell", night)) == 1
