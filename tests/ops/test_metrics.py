"""/metrics: only with the token, national counts only, request latencies by route."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import client_for
from vigie.cases.models import Case, CaseStatus
from vigie.insights.models import Obligation, ObligationKind
from vigie.notifications.models import OutgoingEmail
from vigie.notifications.tasks import email_dispatch
from vigie.ops.metrics import business_collector

pytestmark = pytest.mark.django_db

TOKEN = "t" * 16 + "0123456789abcdef0123"  # 36 characters
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _metrics(settings: Any) -> Any:
    settings.VIGIE_METRICS_TOKEN = TOKEN
    settings.VIGIE_METRICS_CACHE_SECONDS = 0
    business_collector.clear()
    yield
    business_collector.clear()


def scrape(**headers: Any) -> Any:
    return Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_no_token_configured_no_endpoint(settings: Any) -> None:
    settings.VIGIE_METRICS_TOKEN = ""
    assert scrape().status_code == 404
    assert Client().get("/metrics").status_code == 404


@pytest.mark.parametrize(
    "header", [None, "Bearer wrong", f"Bearer {TOKEN}x", TOKEN, f"Basic {TOKEN}"]
)
def test_a_scrape_without_the_token_learns_nothing(header: str | None) -> None:
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = Client().get("/metrics", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"vigie_" not in response.content


def test_scraped_by_address_over_plain_http(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    response = scrape(HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    # Prometheus may ask for OpenMetrics: one document, one end marker.
    response = scrape(HTTP_ACCEPT="application/openmetrics-text; version=1.0.0")
    assert response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.decode().count("# EOF") == 1


def test_business_gauges_count_what_operators_watch(
    world: Any, make_case: Callable[..., Case]
) -> None:
    now = timezone.now()
    awaiting = [make_case(world.lyon, world.declarant_lyon) for _ in range(2)]
    late = make_case(world.paris, world.director_paris)
    on_time = make_case(world.reunion, world.declarant_reunion)
    Case.objects.filter(pk=late.pk).update(
        status=CaseStatus.TO_PROCESS, ars_update_due_at=now - timedelta(days=1)
    )
    Case.objects.filter(pk=on_time.pk).update(
        status=CaseStatus.TO_PROCESS, ars_update_due_at=now + timedelta(days=3)
    )
    Obligation.objects.all().delete()
    K = ObligationKind
    Obligation.objects.create(case=awaiting[0], kind=K.CNIL, due_at=now + timedelta(hours=5))
    Obligation.objects.create(case=awaiting[1], kind=K.CNIL, due_at=now + timedelta(hours=23))
    Obligation.objects.create(case=late, kind=K.NIS2_EARLY_WARNING, due_at=now - timedelta(hours=2))
    Obligation.objects.create(case=late, kind=K.CNIL, due_at=now + timedelta(hours=30))
    Obligation.objects.create(
        case=on_time, kind=K.CNIL, due_at=now + timedelta(hours=1), done_at=now
    )
    OutgoingEmail.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE procrastinate_jobs CASCADE")
        cursor.execute("DELETE FROM procrastinate_workers")
    pending = [
        OutgoingEmail.objects.create(
            to=["rssi@chu-lyon.example"],
            subject="Incident au CHU",
            body="texte libre",
            created_at=now - timedelta(minutes=minutes),
        )
        for minutes in (3, 90)
    ]
    OutgoingEmail.objects.create(to=["x@example.org"], subject="s", body="b", status="failed")
    OutgoingEmail.objects.create(to=["x@example.org"], subject="s", body="b", status="sent")
    for email in pending:
        email_dispatch(email_id=email.pk)

    response = scrape()
    assert response.status_code == 200
    text = response.content.decode()
    values = samples(text)

    assert values[("vigie_cases_awaiting_qualification", ())] == 2
    assert values[("vigie_cases_weekly_update_overdue", ())] == 1
    assert values[("vigie_regulatory_deadlines_due_24h", ())] == 2
    assert values[("vigie_regulatory_deadlines_overdue", ())] == 1
    assert values[("vigie_email_outbox", (("status", "pending"),))] == 2
    assert values[("vigie_email_outbox", (("status", "failed"),))] == 1
    assert 90 * 60 <= values[("vigie_email_outbox_oldest_pending_seconds", ())] < 92 * 60
    assert values[("vigie_jobs", (("queue", "email"), ("status", "todo")))] == 2
    assert values[("vigie_workers", ())] == 0
    assert values[("vigie_worker_heartbeat_age_seconds", ())] == -1
    # Counts only: no address, structure, case reference or text.
    for secret in ("chu-lyon", "example", "CHU", "Incident", late.reference, "SSI-"):
        assert secret not in text


def test_request_latency_by_route_pattern_never_by_path(
    world: Any, make_case: Callable[..., Case]
) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    client = client_for(world.declarant_lyon)
    key = (
        "vigie_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "declarations/<int:pk>/"), ("status", "200")),
    )
    before = samples(scrape().content.decode()).get(key, 0)
    assert client.get(f"/declarations/{case.declaration_id}/").status_code == 200
    assert client.get(f"/declarations/{case.declaration_id}/").status_code == 200
    assert Client().get("/no/such/page/").status_code == 404
    text = scrape().content.decode()
    values = samples(text)
    assert values[key] == before + 2
    assert f"/declarations/{case.declaration_id}/" not in text
    assert "no/such" not in text
    assert any(
        name == "vigie_http_request_duration_seconds_count"
        and dict(labels).get("route") == "<unresolved>"
        for name, labels in values
    )
    # Neither the probes nor the scrapes are counted as requests.
    assert "metrics" not in {dict(labels).get("route") for _, labels in values}


@pytest.mark.django_db(transaction=True)
def test_gunicorn_workers_latencies_are_summed_across_processes(tmp_path: Path) -> None:
    """Under gunicorn each worker is a process: with PROMETHEUS_MULTIPROC_DIR a scrape
    answered by any of them counts the requests of all."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "VIGIE_METRICS_TOKEN": TOKEN,
        "VIGIE_ALLOWED_HOSTS": "testserver",
        "VIGIE_DEBUG": "1",  # static files from the apps: no collectstatic here
        "DATABASE_URL": _database_url(),
    }
    request_twice = (
        "from django.test import Client; c = Client();[c.get('/compte/login/') for _ in range(2)]"
    )
    for _ in range(2):  # two "workers", one after the other
        _manage(["shell", "-c", request_twice], env)
    scrape_once = (
        "from django.test import Client;"
        f"r = Client().get('/metrics', HTTP_AUTHORIZATION='Bearer {TOKEN}');"
        "print(r.content.decode())"
    )
    values = samples(_manage(["shell", "-c", scrape_once], env))
    key = (
        "vigie_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "compte/login/"), ("status", "200")),
    )
    assert values[key] == 4
    assert ("vigie_cases_awaiting_qualification", ()) in values


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _manage(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args, "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
