"""One log line per request and per job, the request id carried into the jobs a request
defers, nothing personal in a line; JSON in production."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.factories import client_for
from vigie.core.logs import redact
from vigie.notifications.models import EmailStatus, OutgoingEmail

ROOT = Path(__file__).resolve().parents[2]


def request_lines(caplog: Any) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "vigie.request"]


@pytest.mark.django_db
def test_one_line_per_request_with_ids_only(
    world: Any, make_case: Callable[..., Any], caplog: Any
) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    client = client_for(world.declarant_lyon)
    caplog.set_level(logging.INFO, logger="vigie.request")

    response = client.get(
        f"/declarations/{case.declaration_id}/?q=Dupont", HTTP_X_REQUEST_ID="proxy-1234.abcd"
    )

    assert response.status_code == 200
    assert response["X-Request-ID"] == "proxy-1234.abcd"
    [line] = request_lines(caplog)
    assert line.request_id == "proxy-1234.abcd"  # type: ignore[attr-defined]
    assert line.method == "GET"  # type: ignore[attr-defined]
    assert line.path == f"/declarations/{case.declaration_id}/"  # type: ignore[attr-defined]
    assert line.route == "declarations/<int:pk>/"  # type: ignore[attr-defined]
    assert line.status == 200  # type: ignore[attr-defined]
    assert line.duration_ms > 0  # type: ignore[attr-defined]
    assert line.user_id == world.declarant_lyon.pk  # type: ignore[attr-defined]
    text = caplog.text
    assert "Dupont" not in text and world.declarant_lyon.email not in text


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", [None, "", "short", "a b c d e f g h", "x" * 65, "ok\nforged"])
def test_a_missing_or_odd_request_id_is_replaced(incoming: str | None, caplog: Any) -> None:
    caplog.set_level(logging.INFO, logger="vigie.request")
    headers = {} if incoming is None else {"HTTP_X_REQUEST_ID": incoming}
    response = Client().get("/compte/login/", **headers)
    generated = response["X-Request-ID"]
    assert len(generated) == 32 and generated != incoming
    assert request_lines(caplog)[0].request_id == generated  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_secret_and_free_url_parts_are_not_logged(caplog: Any) -> None:
    caplog.set_level(logging.INFO, logger="vigie.request")
    Client().get("/compte/confirm-email/MTIz:1tXyZa:SecretKeyPart_abcdef/")
    Client().get("/no/such/page/with/jean.dupont@example.org/")
    Client().get("/healthz")  # probes are not worth a line
    paths = [line.path for line in request_lines(caplog)]  # type: ignore[attr-defined]
    assert paths == ["/compte/confirm-email/<key>/", "<unresolved>"]
    assert "SecretKeyPart" not in caplog.text and "dupont" not in caplog.text


def test_every_line_is_scrubbed_of_addresses_and_phone_numbers() -> None:
    refused = (
        "{'rssi@chu-lyon.fr': (550, b'No such user')} call 04 72 11 22 33 or +33 6 12 34 56 78"
    )
    assert redact(refused) == "{'<email>': (550, b'No such user')} call <phone> or <phone>"
    # Ids, references, durations and dates stay readable.
    kept = "case 1234567 SSI-2025-00012 took 0123 ms on 2025-03-14T06:45:00"
    assert redact(kept) == kept


# --- jobs -----------------------------------------------------------------------------


@pytest.fixture
def _empty_queue(transactional_db: None) -> Any:
    def empty() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE procrastinate_jobs, procrastinate_workers, procrastinate_events, "
                "procrastinate_periodic_defers CASCADE"
            )

    empty()
    yield
    empty()


def email_job_lines(caplog: Any) -> list[logging.LogRecord]:
    """The worker's lines for the sending jobs (the periodic sweep runs beside them)."""
    return [
        r
        for r in caplog.records
        if r.name == "vigie.jobs" and r.task == "notifications.email_send"  # type: ignore[attr-defined]
    ]


@pytest.mark.usefixtures("_empty_queue")
def test_the_request_id_follows_the_jobs_it_defers(
    world: Any,
    make_declaration: Callable[..., Any],
    run_worker: Callable[..., None],
    caplog: Any,
) -> None:
    draft = make_declaration(world.lyon_lab, world.declarant_lyon_lab)
    client = client_for(world.declarant_lyon_lab)
    caplog.set_level(logging.INFO)

    response = client.post(
        f"/declarations/{draft.pk}/recapitulatif/", HTTP_X_REQUEST_ID="submit-7f3a9c01"
    )
    assert response.status_code == 302
    with connection.cursor() as cursor:
        cursor.execute("SELECT args FROM procrastinate_jobs WHERE queue_name = 'email'")
        args = [row[0] if isinstance(row[0], dict) else json.loads(row[0]) for row in cursor]
    assert args and all(a["_request_id"] == "submit-7f3a9c01" for a in args)

    run_worker(["email"])

    # The tasks ran without seeing the extra argument: every message went out.
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}
    jobs = email_job_lines(caplog)
    assert len(jobs) == len(args)
    for line in jobs:
        assert line.request_id == "submit-7f3a9c01"  # type: ignore[attr-defined]
        assert line.task == "notifications.email_send"  # type: ignore[attr-defined]
        assert line.queue == "email"  # type: ignore[attr-defined]
        assert line.status == "succeeded"  # type: ignore[attr-defined]
        assert line.attempt == 1  # type: ignore[attr-defined]
    assert world.declarant_lyon_lab.email not in caplog.text


@pytest.mark.usefixtures("_empty_queue")
def test_a_failed_job_is_logged_by_class_without_its_message(
    world: Any,
    make_declaration: Callable[..., Any],
    run_worker: Callable[..., None],
    settings: Any,
    caplog: Any,
) -> None:
    from tests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # refused
    draft = make_declaration(world.lyon_lab, world.declarant_lyon_lab)
    client_for(world.declarant_lyon_lab).post(f"/declarations/{draft.pk}/recapitulatif/")
    caplog.set_level(logging.INFO)

    run_worker(["email"])

    jobs = email_job_lines(caplog)
    assert len(jobs) == 3 and {line.status for line in jobs} == {"failed"}  # type: ignore[attr-defined]
    assert {line.error for line in jobs} == {"ConnectionRefusedError"}  # type: ignore[attr-defined]
    # The id the web request was given (no X-Request-ID came with it).
    assert len({line.request_id for line in jobs}) == 1  # type: ignore[attr-defined]
    assert "@" not in "".join(line.getMessage() for line in jobs)


# --- the production format, end to end ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_production_logs_are_one_json_object_per_line() -> None:
    s = connection.settings_dict
    env = {
        **os.environ,
        "VIGIE_LOG_FORMAT": "json",
        "VIGIE_LOG_LEVEL": "INFO",
        "VIGIE_ALLOWED_HOSTS": "testserver",
        "VIGIE_DEBUG": "1",  # static files from the apps: no collectstatic here
        "DATABASE_URL": f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}",
    }
    script = (
        "import logging; from django.test import Client; "
        "Client().get('/compte/login/', HTTP_X_REQUEST_ID='trace-0001-abcd'); "
        "logging.getLogger('vigie.test').warning('refused for jean.dupont@example.org')"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert len(lines) == len([line for line in result.stderr.splitlines() if line.strip()])
    [request] = [line for line in lines if line["logger"] == "vigie.request"]
    assert request["event"] == "request"
    assert request["request_id"] == "trace-0001-abcd"
    assert request["path"] == "/compte/login/" and request["status"] == 200
    assert request["level"] == "INFO" and request["time"].endswith("+00:00")
    [warning] = [line for line in lines if line["logger"] == "vigie.test"]
    assert warning["message"] == "refused for <email>"
    assert warning["request_id"] == "-"
